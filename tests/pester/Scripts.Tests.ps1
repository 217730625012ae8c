# The README's pipelines as a script writes them: results through Export-Csv and back with the columns the README
# documents, -WhatIf writing nothing, and a failed job ending a `pwsh -File` script with a non-zero exit code.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestModule.ps1')
    $bucket = New-TestBucket
    $database = New-TestMongoDatabaseName
    $mongo = @{ MongoConnectionString = $env:SYNCTOOLS_TEST_MONGO; Database = $database }
    # Runs $Script with `pwsh -File` and the module imported; gives its output and exit code.
    function Invoke-JobScript([string] $Script) {
        $output = Invoke-FreshSession "Import-Module '$($manifest.FullName)'`n$Script"
        [pscustomobject]@{ Output = $output; ExitCode = $LASTEXITCODE }
    }
}

AfterAll { Remove-TestMongoDatabase $database, "$($database)_whatif" }

Describe 'README pipelines' {
    It 'exports <Type> to CSV with the columns the README documents, and reads it back' -ForEach @(
        @{ Type = 'TowAndGoUploadResult'; Run = { Send-TowAndGoData -Json $TwoLinks -Bucket $bucket @S3 } }
        @{ Type = 'TowAndGoSyncResult'; Run = { Send-TowAndGoData -Json $TwoLinks -Bucket $bucket @S3 | Sync-TowAndGoToMongo @mongo @S3 } }
        @{ Type = 'SyncStatus'; Run = { Get-SyncStatus -Job Sync-TowAndGoToMongo } }
    ) {
        $csv = Join-Path $TestDrive "$Type.csv"
        $result = & $Run
        $result | Export-Csv -Path $csv

        Get-CsvColumn $csv | Should -Be (Get-DocumentedColumn $Type)
        $row = @(Import-Csv -Path $csv)[0]
        $row.Job | Should -Be @($result)[0].Job
        $row.RunId | Should -Be @($result)[0].RunId.ToString()
    }

    It 'writes nothing under -WhatIf: no object, no document, no journal entry' {
        $whatIf = "$($database)_whatif"

        $result = Send-TowAndGoData -Json $TwoLinks -Bucket $bucket -Key whatif.json @S3 -WhatIf

        $result | Should -BeNullOrEmpty
        (Invoke-WebRequest -Uri "$env:SYNCTOOLS_TEST_S3/$bucket/whatif.json" -SkipHttpErrorCheck).StatusCode | Should -Be 404
        Send-TowAndGoData -Json $TwoLinks -Bucket $bucket -Key whatif.json @S3 | Sync-TowAndGoToMongo -MongoConnectionString $env:SYNCTOOLS_TEST_MONGO -Database $whatIf @S3 -WhatIf |
            Should -BeNullOrEmpty
        (Get-SyncStatus -Job Sync-TowAndGoToMongo | Where-Object Target -Like "*/$whatIf/links") | Should -BeNullOrEmpty
    }
}

Describe 'A job in a pwsh -File script' {
    BeforeAll {
        $settings = @"
`$s3 = @{ EndpointUrl = '$env:SYNCTOOLS_TEST_S3'; Credential = [pscredential]::new('S3RVER', (ConvertTo-SecureString 'S3RVER' -AsPlainText -Force)) }
`$env:SYNCTOOLS_JOURNAL = '$env:SYNCTOOLS_JOURNAL'
"@
    }

    It 'exits non-zero when the job fails under $ErrorActionPreference = Stop' {
        $run = Invoke-JobScript @"
$settings
`$ErrorActionPreference = 'Stop'
Sync-TowAndGoToMongo -Bucket $bucket -Key no/such.json -MongoConnectionString '$env:SYNCTOOLS_TEST_MONGO' -Database $database @s3
'not reached'
"@
        $run.ExitCode | Should -Not -Be 0
        $run.Output | Should -Not -Match 'not reached'
        $run.Output | Should -Match 'does not exist'
    }

    It 'sees the failure as a categorised error in $Error[0]' {
        $run = Invoke-JobScript @"
$settings
Sync-TowAndGoToMongo -Bucket $bucket -Key no/such.json -MongoConnectionString '$env:SYNCTOOLS_TEST_MONGO' -Database $database @s3 -ErrorAction SilentlyContinue
"category=`$(`$Error[0].CategoryInfo.Category) id=`$(`$Error[0].FullyQualifiedErrorId) target=`$(`$Error[0].TargetObject)"
exit `$(if (`$Error.Count) { 2 } else { 0 })
"@
        $run.ExitCode | Should -Be 2
        $run.Output | Should -Match "category=ObjectNotFound id=S3ObjectNotFound,SyncTools\.PowerShell\.SyncTowAndGoToMongoCommand target=s3://$bucket/no/such\.json"
    }

    It 'exits 0 when the job succeeds' {
        $run = Invoke-JobScript @"
$settings
`$ErrorActionPreference = 'Stop'
Send-TowAndGoData -Json '$TwoLinks' -Bucket $bucket @s3 | Sync-TowAndGoToMongo -MongoConnectionString '$env:SYNCTOOLS_TEST_MONGO' -Database $database @s3 | Select-Object -ExpandProperty Links
"@
        $run.ExitCode | Should -Be 0
        $run.Output.Trim() | Should -Be '2'
    }

    It 'runs with -Debug in a non-interactive session: messages are written, not asked about' {
        $run = Invoke-JobScript @"
$settings
`$ErrorActionPreference = 'Stop'
Send-TowAndGoData -Json '$TwoLinks' -Bucket $bucket @s3 -Debug | Sync-TowAndGoToMongo -MongoConnectionString '$env:SYNCTOOLS_TEST_MONGO' -MongoDatabase $database @s3 -Debug | Select-Object -ExpandProperty Links
"@
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $run.Output | Should -Match 'VERBOSE: '
        $run.Output | Should -Not -Match 'NonInteractive'
    }
}

Describe 'The scheduled-task script of about_SyncTools' {
    BeforeAll {
        $about = Get-Content -Raw (Join-Path (Split-Path $manifest.FullName) 'en-US/about_SyncTools.help.txt')
        # The indented block after "# job.ps1", as the help shows it.
        $job = ([regex]::Match($about, '(?ms)^        # job\.ps1\r?\n(.*?)\r?\n\r?\n').Groups[1].Value -split '\r?\n' | ForEach-Object { $_ -replace '^        ', '' }) -join "`n"
        $upload = Send-TowAndGoData -Json $TwoLinks -Bucket $bucket @S3
        # The test services stand in for the task's environment; the script itself runs as written but for the names.
        function Invoke-TaskScript([string] $Key) {
            $script = $job -replace 'Import-Module SyncTools', "Import-Module '$($manifest.FullName)'" -replace '-Bucket traffic', "-Bucket $bucket -MongoDatabase $database" -replace 'tow-and-go/latest\.json', $Key
            $env:AWS_ENDPOINT_URL_S3 = $S3.EndpointUrl; $env:AWS_ACCESS_KEY_ID = 'S3RVER'; $env:AWS_SECRET_ACCESS_KEY = 'S3RVER'; $env:MONGODB_URI = $env:SYNCTOOLS_TEST_MONGO
            try { $output = Invoke-FreshSession $script; [pscustomobject]@{ Output = $output; ExitCode = $LASTEXITCODE } }
            finally { Remove-Item env:AWS_ENDPOINT_URL_S3, env:AWS_ACCESS_KEY_ID, env:AWS_SECRET_ACCESS_KEY, env:MONGODB_URI }
        }
    }

    It 'is in the help' {
        $job | Should -Match "ErrorActionPreference = 'Stop'"
    }

    It 'exits 0 when the job succeeds and its target is healthy' {
        $run = Invoke-TaskScript $upload.Key
        $run.ExitCode | Should -Be 0 -Because $run.Output
    }

    It 'exits 1 with the categorised error when the job fails' {
        $run = Invoke-TaskScript 'no/such.json'
        $run.ExitCode | Should -Be 1
        $run.Output | Should -Match 'does not exist'
    }
}
