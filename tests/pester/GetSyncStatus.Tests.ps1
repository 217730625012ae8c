BeforeAll {
    . (Join-Path $PSScriptRoot 'TestModule.ps1')
    $bucket = New-TestBucket
    $database = New-TestMongoDatabaseName
    $mongo = @{ MongoConnectionString = $env:SYNCTOOLS_TEST_MONGO; Database = $database }
    $snapshot = '{"last_modified": 1684216515, "tow_and_go": [{"link_id": 1, "segment_id": 10}]}'
    # Targets are named by what they are: kind, server, database, collection.
    $mongoServer = ([uri]$env:SYNCTOOLS_TEST_MONGO).Authority
    $links = "mongodb://$mongoServer/$database/links"
}

AfterAll { Remove-TestMongoDatabase $database, "$($database)_failing" }

Describe 'Get-SyncStatus' {
    It 'shows the status of what just ran, from the result on the pipeline' {
        $status = Send-TowAndGoData -Json $snapshot -Bucket $bucket @S3 | Sync-TowAndGoToMongo @mongo @S3 | Get-SyncStatus

        $status.Job | Should -Be 'Sync-TowAndGoToMongo'
        $status.Target | Should -Be $links
        $status.IsHealthy | Should -BeTrue
        $status.Counts | Should -Match 'Inserted=1'
    }

    It 'shows the last success and the end of a long target in its table view' {
        $status = Get-SyncStatus -Job Sync-TowAndGoToMongo | Where-Object Target -EQ $links

        $table = $status | Format-Table | Out-String -Width 250

        $table | Should -Match ([regex]::Escape($status.LastSuccess.ToString('u')))
        $table | Should -Match ([regex]::Escape("$database/links")) # a long target shows its end: database and collection
    }

    It 'takes wildcards for -Job and -Target, and warns when a pattern matches nothing' {
        $byJob = Get-SyncStatus -Job sync-tow* | Where-Object Target -EQ $links
        $byTarget = Get-SyncStatus -Target "*/$database/*"
        $none = Get-SyncStatus -Job 'No-Such-*' -WarningVariable warned -WarningAction SilentlyContinue

        $byJob.Job | Should -Be 'Sync-TowAndGoToMongo'
        $byTarget.Target | Should -Be $links
        $none | Should -BeNullOrEmpty
        "$warned" | Should -BeLike "*matches -Job 'No-Such-*'*"
    }

    It 'counts the source and the target live' {
        $status = Get-SyncStatus -Job Sync-TowAndGoToMongo -Live -MongoConnectionString $env:SYNCTOOLS_TEST_MONGO |
            Where-Object Target -EQ $links

        $status.SourceCount | Should -Be 1
        $status.TargetCount | Should -Be 1
        $status.IsHealthy | Should -BeTrue
    }

    It 'lists a failed run as unhealthy, with its reason, for Export-Csv' {
        { Sync-TowAndGoToMongo -Bucket $bucket -Key no/such.json -Database "$($database)_failing" -MongoConnectionString $env:SYNCTOOLS_TEST_MONGO @S3 } | Should -Throw
        $csv = Join-Path $TestDrive 'unhealthy.csv'

        Get-SyncStatus | Where-Object { -not $_.IsHealthy } | Export-Csv -Path $csv

        $row = Import-Csv -Path $csv | Where-Object Target -EQ "mongodb://$mongoServer/$($database)_failing/links"
        $row.LastStatus | Should -Be 'Failed'
        $row.Reason | Should -BeLike '*does not exist*'
        (Get-SyncStatus -Unhealthy).Target | Should -Contain "mongodb://$mongoServer/$($database)_failing/links"
    }

    It 'does not record -WhatIf runs, nor a -WhatIf run that fails' {
        $before = (Get-SyncStatus -Job Send-TowAndGoData | Where-Object Target -Like "s3://*/$bucket").Runs
        Send-TowAndGoData -Json $snapshot -Bucket $bucket -WhatIf @S3
        { Sync-TowAndGoToMongo -Bucket $bucket -Key no/such.json -MongoDatabase "$($database)_whatif_failing" -MongoConnectionString $env:SYNCTOOLS_TEST_MONGO -WhatIf @S3 } | Should -Throw

        (Get-SyncStatus -Job Send-TowAndGoData | Where-Object Target -Like "s3://*/$bucket").Runs | Should -Be $before
        Get-SyncStatus -Target "*/$($database)_whatif_failing/*" -WarningAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'does not record a run refused for its arguments' {
        { Sync-TowAndGoToMongo -Bucket 'Not_A_Bucket' -Key x.json -MongoDatabase "$($database)_arguments" -MongoConnectionString $env:SYNCTOOLS_TEST_MONGO @S3 } | Should -Throw

        Get-SyncStatus -Target "*/$($database)_arguments/*" -WarningAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'retires a target with Remove-SyncStatus, asking first; -WhatIf removes nothing' {
        { Sync-TowAndGoToMongo -Bucket $bucket -Key no/such.json -MongoDatabase "$($database)_retired" -MongoConnectionString $env:SYNCTOOLS_TEST_MONGO @S3 } | Should -Throw
        Remove-SyncStatus -Target "*/$($database)_retired/*" -WhatIf | Should -BeNullOrEmpty
        (Get-SyncStatus -Target "*/$($database)_retired/*").Health | Should -Be 'Unhealthy'

        $removed = Get-SyncStatus -Target "*/$($database)_retired/*" | Remove-SyncStatus -Confirm:$false

        $removed.Target | Should -Be "mongodb://$mongoServer/$($database)_retired/links"
        Get-SyncStatus -Target "*/$($database)_retired/*" -WarningAction SilentlyContinue | Should -BeNullOrEmpty
        (Get-SyncStatus -Target $links).Runs | Should -BeGreaterThan 0
    }
}
