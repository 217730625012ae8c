# The module as a whole: its help through Get-Help, its engine beside other AWSSDK.Core and MongoDB.Driver versions in both load orders,
# and its package unpacked and imported.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestModule.ps1')
    $commands = Get-Command -Module SyncTools
    # Another module's libraries (AWSSDK.Core 4.0.3.3, MongoDB.Driver and MongoDB.Bson 2.30.0 with DnsClient 1.6.1), as tests/IsolationProbe downloads them.
    $other = Get-ChildItem (Join-Path $PSScriptRoot '../IsolationProbe/bin/*/*/other') -Directory | Select-Object -First 1
    $loadOther = @"
Add-Type -Path $((Get-ChildItem $other.FullName -Filter *.dll | ForEach-Object { "'$($_.FullName)'" }) -join ',')
[void][Amazon.Runtime.BasicAWSCredentials]::new('other', 'module')
[void][MongoDB.Driver.MongoUrl]::new('mongodb://other.invalid/module')
"@
    $bucket = New-TestBucket

    $upload = @"
`$ErrorActionPreference = 'Stop'
`$credential = [pscredential]::new('S3RVER', (ConvertTo-SecureString 'S3RVER' -AsPlainText -Force))
`$result = Send-TowAndGoData -Json '{"last_modified":1700000000,"tow_and_go":[{"link_id":1,"segment_id":null}]}' -Bucket $bucket -Key isolation/`$([guid]::NewGuid()).json -EndpointUrl '$env:SYNCTOOLS_TEST_S3' -Credential `$credential |
    Sync-TowAndGoToMongo -MongoConnectionString '$env:SYNCTOOLS_TEST_MONGO' -Database pester_isolation -EndpointUrl '$env:SYNCTOOLS_TEST_S3' -Credential `$credential -Force
"uploaded and synced `$(`$result.Links)"
"@
    $report = @'
[System.Runtime.Loader.AssemblyLoadContext]::All | ForEach-Object { $c = $_; $c.Assemblies | Where-Object { $_.GetName().Name -in 'AWSSDK.Core', 'MongoDB.Driver', 'MongoDB.Bson' } | ForEach-Object { "$($_.GetName().Name) $([Diagnostics.FileVersionInfo]::GetVersionInfo($_.Location).FileVersion) in $($c.Name)" } }
'@
}

AfterAll { Remove-TestMongoDatabase pester_isolation }

Describe 'Get-Help' {
    It 'shows <_> with a synopsis, a description, examples and every parameter described' -ForEach @(
        'Send-TowAndGoData', 'Sync-TowAndGoToMongo', 'Invoke-OrgSync', 'Update-ClusterId', 'Start-FullSync', 'Start-ChangeSync', 'Get-SyncStatus', 'Remove-SyncStatus'
    ) {
        $help = Get-Help $_ -Full
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -Match "^\s*$_\s"   # PowerShell's stand-in when there is no help
        ($help.description.Text -join ' ').Length | Should -BeGreaterThan 100
        @($help.examples.example).Count | Should -BeGreaterOrEqual 2
        $parameters = (Get-Command $_).Parameters.Keys | Where-Object { $_ -notin [System.Management.Automation.PSCmdlet]::CommonParameters }
        foreach ($name in $parameters) {
            $parameter = $help.parameters.parameter | Where-Object name -EQ $name
            ($parameter.description.Text -join ' ') | Should -Not -BeNullOrEmpty -Because "-$name needs help text"
        }
        $help.returnValues.returnValue.type.name | Should -Not -BeNullOrEmpty
        # Help speaks to the user: no internal references, and no other cmdlet's environment where it does not apply.
        ($help | Out-String -Width 300) | Should -Not -Match 'source design'
    }

    It 'shows each parameter''s real default under Default value: -<Parameter> of <Name> is <Default>' -ForEach @(
        @{ Name = 'Start-FullSync'; Parameter = 'PageSize'; Default = '5000' }
        @{ Name = 'Start-ChangeSync'; Parameter = 'BatchSize'; Default = '5000' }
        @{ Name = 'Invoke-OrgSync'; Parameter = 'TargetDatabase'; Default = 'organizations' }
        @{ Name = 'Sync-TowAndGoToMongo'; Parameter = 'MongoDatabase'; Default = 'towandgo' }
        @{ Name = 'Get-SyncStatus'; Parameter = 'MaxAge'; Default = '26 hours' }
        @{ Name = 'Update-ClusterId'; Parameter = 'Collection'; Default = 'cluster_trips' }
        @{ Name = 'Start-ChangeSync'; Parameter = 'Follow'; Default = 'False' }
        @{ Name = 'Start-ChangeSync'; Parameter = 'Table'; Default = 'None' }
    ) {
        (Get-Help $Name -Parameter $Parameter).defaultValue | Should -Be $Default
    }

    It 'opens about_SyncTools' {
        Get-Help about_SyncTools | Out-String | Should -Match 'ENVIRONMENT VARIABLES'
        Get-Help about_SyncTools_Jobs | Out-String | Should -Match 'TYPE MAPPING \(POSTGRESQL TO BSON\)'
    }
}

Describe 'Parameter names' {
    It 'names the kind of each database where <Name> reaches two kinds of server, keeping -Database as an alias' -ForEach @(
        @{ Name = 'Sync-TowAndGoToMongo'; Database = 'MongoDatabase' }
        @{ Name = 'Update-ClusterId'; Database = 'MySqlDatabase' }
        @{ Name = 'Start-FullSync'; Database = 'MongoDatabase' }
        @{ Name = 'Start-ChangeSync'; Database = 'MongoDatabase' }
    ) {
        $parameters = (Get-Command $Name).Parameters
        $parameters.Keys | Should -Not -Contain 'Database'
        $parameters[$Database].Aliases | Should -Contain 'Database'
    }

    It 'describes -Server, -Port and -Credential of <Name> by its own server only' -ForEach @(
        @{ Name = 'Invoke-OrgSync'; Own = 'DB_'; Other = 'PG' }
        @{ Name = 'Update-ClusterId'; Own = 'DB_'; Other = 'PG' }
        @{ Name = 'Start-FullSync'; Own = 'PG'; Other = 'DB_' }
        @{ Name = 'Start-ChangeSync'; Own = 'PG'; Other = 'DB_' }
    ) {
        foreach ($parameter in 'Server', 'Port', 'Credential') {
            $text = (Get-Help $Name -Parameter $parameter).description.Text -join ' '
            $text | Should -Match $Own
            $text | Should -Not -Match $Other
        }
    }

    It 'binds -BucketName as -Bucket on <_>' -ForEach 'Send-TowAndGoData', 'Sync-TowAndGoToMongo' {
        (Get-Command $_).Parameters['Bucket'].Aliases | Should -Contain 'BucketName'
    }
}

Describe 'Beside other AWSSDK.Core and MongoDB.Driver versions' {
    It 'runs S3 and MongoDB jobs when the other versions loaded first' {
        $out = Invoke-FreshSession @"
$loadOther
Import-Module '$($manifest.FullName)'
$upload
$report
"@
        $out | Should -Match 'uploaded and synced 1'
        $out | Should -Match 'AWSSDK\.Core 4\.0\.3\.3 in Default'
        $out | Should -Match 'AWSSDK\.Core 4\.0\.1\d\d[\d.]* in SyncTools\.Engine'
        $out | Should -Match 'MongoDB\.Driver 2\.30\.0[\d.]* in Default'
        $out | Should -Match 'MongoDB\.Driver 3\.[\d.]+ in SyncTools\.Engine'
        $out | Should -Match 'MongoDB\.Bson 3\.[\d.]+ in SyncTools\.Engine'
    }

    It 'lets the other versions load after it, and still runs' {
        $out = Invoke-FreshSession @"
Import-Module '$($manifest.FullName)'
$upload
$loadOther
$upload
$report
"@
        ([regex]::Matches($out, 'uploaded and synced 1')).Count | Should -Be 2
        $out | Should -Match 'AWSSDK\.Core 4\.0\.3\.3 in Default'
        $out | Should -Match 'MongoDB\.Bson 2\.30\.0[\d.]* in Default'
    }
}

Describe 'What the module loads' {
    It 'puts nothing from its folder in the default context but the cmdlet assembly' {
        $out = Invoke-FreshSession @"
Import-Module '$($manifest.FullName)'
$upload
`$base = (Get-Module SyncTools).ModuleBase
[System.Runtime.Loader.AssemblyLoadContext]::All | ForEach-Object { `$c = `$_; `$c.Assemblies | Where-Object { `$_.Location -and `$_.Location.StartsWith(`$base) } | ForEach-Object { "loaded `$([IO.Path]::GetRelativePath(`$base, `$_.Location)) in `$(`$c.Name)" } }
"@
        $out | Should -Match 'uploaded and synced 1'
        $loaded = [regex]::Matches($out, '(?m)^loaded (\S+) in (\S+)') | ForEach-Object { [pscustomobject]@{ File = $_.Groups[1].Value; Context = $_.Groups[2].Value } }
        @($loaded | Where-Object Context -EQ 'Default').File | Should -Be @('SyncTools.dll')
        @($loaded | Where-Object Context -EQ 'SyncTools.Engine').File | Should -Contain ([IO.Path]::Combine('dependencies', 'SyncTools.Core.dll'))
        @($loaded | Where-Object Context -EQ 'SyncTools.Engine').File | Should -Contain ([IO.Path]::Combine('dependencies', 'AWSSDK.S3.dll'))
        @($loaded | Where-Object { $_.Context -notin 'Default', 'SyncTools.Engine' }) | Should -BeNullOrEmpty
    }
}

Describe 'Precompiled code' {
    # A linux-x64 build precompiles the engine for .NET 10 (PowerShell 7.6); elsewhere the IL alone ships.
    It 'is in every engine assembly, beside its IL' -Skip:(-not ($IsLinux -and [Runtime.InteropServices.RuntimeInformation]::OSArchitecture -eq 'X64')) {
        $engine = Get-ChildItem (Join-Path $manifest.Directory 'dependencies') -Filter *.dll
        $engine.Name | Should -Contain 'MongoDB.Driver.dll'
        foreach ($file in $engine) {
            $stream = [IO.File]::OpenRead($file.FullName)
            try {
                $headers = [Reflection.PortableExecutable.PEReader]::new($stream).PEHeaders
                "$($file.Name) $($headers.CorHeader.ManagedNativeHeaderDirectory.Size -gt 0) $($headers.CorHeader.MetadataDirectory.Size -gt 0)" |
                    Should -Be "$($file.Name) True True"
            } finally { $stream.Dispose() }
        }
    }
}

Describe 'The package' {
    BeforeAll {
        $package = Get-ChildItem (Join-Path $PSScriptRoot '../../out/packages/SyncTools.*.nupkg') | Sort-Object LastWriteTime | Select-Object -Last 1
        $data = Import-PowerShellDataFile $manifest.FullName
        $unpacked = Join-Path ([IO.Path]::GetTempPath()) "synctools-package-$([guid]::NewGuid().ToString('N'))/SyncTools/$($data.ModuleVersion)"
        [System.IO.Compression.ZipFile]::ExtractToDirectory($package.FullName, $unpacked)
        # What Install-PSResource removes after extracting.
        Remove-Item -Recurse -Force (Join-Path $unpacked '_rels'), (Join-Path $unpacked 'package'), (Join-Path $unpacked '[[]Content_Types[]].xml'), (Join-Path $unpacked 'SyncTools.nuspec')
    }

    AfterAll { Remove-Item -Recurse -Force (Split-Path (Split-Path $unpacked)) }

    It 'holds a valid manifest with the version and editions' {
        $tested = Test-ModuleManifest (Join-Path $unpacked 'SyncTools.psd1')
        $tested.Version | Should -Be $data.ModuleVersion
        $tested.CompatiblePSEditions | Should -Be 'Core'
        $tested.PowerShellVersion | Should -Be '7.4'
        Join-Path $unpacked 'LICENSE' | Should -FileContentMatch 'MIT License'
    }

    It 'is found, installed and published again by PSResourceGet, and imports by name' {
        # A session whose HOME is a temporary folder: its repositories and installed modules are this test's alone.
        # .NET finds no LocalApplicationData where ~/.local/share does not exist, and PSResourceGet then writes its
        # repository list into the working folder: the folder is made first. The XDG variables and PSModulePath are
        # unset, so that the fresh session derives every folder from the new HOME.
        $home_ = Join-Path ([IO.Path]::GetTempPath()) "synctools-psresource-$([guid]::NewGuid().ToString('N'))"
        $published = Join-Path $home_ 'published'
        $null = New-Item -ItemType Directory -Path $published, (Join-Path $home_ '.local/share')
        $saved = @{}
        try {
            foreach ($variable in 'HOME', 'XDG_DATA_HOME', 'XDG_CONFIG_HOME', 'XDG_CACHE_HOME', 'PSModulePath') {
                $saved[$variable] = [Environment]::GetEnvironmentVariable($variable)
                [Environment]::SetEnvironmentVariable($variable, $(if ($variable -eq 'HOME') { $home_ } else { $null }))
            }
            $out = Invoke-FreshSession @"
`$ErrorActionPreference = 'Stop'
Register-PSResourceRepository -Name Local -Uri '$(Split-Path $package.FullName)' -Trusted
`$found = Find-PSResource SyncTools -Repository Local
"repositories in `$([Environment]::GetFolderPath('LocalApplicationData'))"
"found `$(`$found.Version) cmdlets=`$((`$found.Includes.Cmdlet | Sort-Object) -join ',')"
Install-PSResource SyncTools -Repository Local -Scope CurrentUser -TrustRepository
Import-Module SyncTools
"licence file `$(Test-Path (Join-Path (Get-Module SyncTools).ModuleBase LICENSE))"
"imported `$((Get-Command -Module SyncTools).Count) from `$((Get-Module SyncTools).ModuleBase)"
Register-PSResourceRepository -Name Published -Uri '$published' -Trusted
Publish-PSResource -Path (Get-Module SyncTools).ModuleBase -Repository Published
"published `$((Get-ChildItem '$published' -Filter *.nupkg).Name)"
"@
            $out | Should -Match "found $([regex]::Escape($data.ModuleVersion)) cmdlets=$((@($commands.Name | Sort-Object) -join ',') -replace '-', '\-')"
            $out | Should -Match 'licence file True'
            $out | Should -Match "repositories in $([regex]::Escape($home_))"
            $out | Should -Match "imported $($commands.Count) from $([regex]::Escape($home_)).*SyncTools[/\\]$([regex]::Escape($data.ModuleVersion))"
            $out | Should -Match "published SyncTools\.$([regex]::Escape($data.ModuleVersion))\.nupkg"
        }
        finally {
            foreach ($variable in $saved.Keys) { [Environment]::SetEnvironmentVariable($variable, $saved[$variable]) }
            Remove-Item -Recurse -Force $home_ -ErrorAction SilentlyContinue
        }
    }

    It 'imports from where it was unpacked and exports every cmdlet' {
        $out = Invoke-FreshSession @"
Import-Module '$unpacked/SyncTools.psd1'
(Get-Command -Module SyncTools).Name -join ','
(Get-Module SyncTools).ModuleBase
"@
        $out | Should -Match ((@($commands.Name | Sort-Object) -join ',') -replace '-', '\-')
        $out | Should -Match ([regex]::Escape($unpacked))
    }
}

Describe 'Table views' {
    It 'fit an 80-column terminal: every column has a width, and <_> adds up to 79 at most (PowerShell keeps the last column free)' -ForEach @(
        ([xml](Get-Content -Raw (Join-Path $PSScriptRoot '../../module/SyncTools.format.ps1xml'))).Configuration.ViewDefinitions.View.Name
    ) {
        $view = ([xml](Get-Content -Raw (Join-Path $PSScriptRoot '../../module/SyncTools.format.ps1xml'))).Configuration.ViewDefinitions.View | Where-Object Name -EQ $_
        $widths = @($view.TableControl.TableHeaders.TableColumnHeader | ForEach-Object { [int]$_.Width })
        $widths | Should -Not -Contain 0
        ($widths | Measure-Object -Sum).Sum + $widths.Count - 1 | Should -BeLessOrEqual 79
    }

    It 'shows a status in 80 columns without wrapping a header' {
        $lines = Get-SyncStatus | Select-Object -First 1 | Format-Table | Out-String -Width 80 -Stream | Where-Object { $_.Trim() }
        $lines[0] | Should -Match '^Health +Job +Target +LastSuccess'
        $lines | ForEach-Object { $_.Length | Should -BeLessOrEqual 80 }
    }
}

Describe 'The README' {
    BeforeAll {
        $readme = Get-Content -Raw (Join-Path $PSScriptRoot '../../README.md')
        $blocks = [regex]::Matches($readme, '(?ms)^```powershell\r?\n(.*?)^```') | ForEach-Object { $_.Groups[1].Value }
        $syncTools = @{}
        Get-Command -Module SyncTools | ForEach-Object { $syncTools[$_.Name] = $_ }
        $common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters

        # Every name a parameter of the command answers to: its own, its aliases, and the common parameters.
        function Get-ParameterName($Command) {
            $Command.Parameters.Values | ForEach-Object { $_.Name; $_.Aliases }
            $common
        }
    }

    It 'has PowerShell code blocks' {
        $blocks.Count | Should -BeGreaterThan 5
    }

    It 'names only parameters the cmdlets have, written or splatted' {
        $problems = foreach ($block in $blocks) {
            $ast = [System.Management.Automation.Language.Parser]::ParseInput($block, [ref]$null, [ref]$null)
            # Hashtables assigned to a variable in the block, by variable name, for the splats below.
            $tables = @{}
            foreach ($assignment in $ast.FindAll({ $args[0] -is [System.Management.Automation.Language.AssignmentStatementAst] }, $true)) {
                $hashtable = $assignment.Right.Find({ $args[0] -is [System.Management.Automation.Language.HashtableAst] }, $true)
                if ($assignment.Left -is [System.Management.Automation.Language.VariableExpressionAst] -and $hashtable) {
                    $tables[$assignment.Left.VariablePath.UserPath] = $hashtable.KeyValuePairs | ForEach-Object { $_.Item1.Value }
                }
            }

            foreach ($call in $ast.FindAll({ $args[0] -is [System.Management.Automation.Language.CommandAst] }, $true)) {
                $command = $syncTools[$call.GetCommandName()]
                if (-not $command) { continue }
                $names = Get-ParameterName $command
                foreach ($element in $call.CommandElements) {
                    if ($element -is [System.Management.Automation.Language.CommandParameterAst] -and $element.ParameterName -notin $names) {
                        "$($command.Name) -$($element.ParameterName)"
                    }
                    if ($element -is [System.Management.Automation.Language.VariableExpressionAst] -and $element.Splatted) {
                        $tables[$element.VariablePath.UserPath] | Where-Object { $_ -notin $names } | ForEach-Object { "$($command.Name) @$($element.VariablePath.UserPath) key $_" }
                    }
                }
            }
        }

        $problems | Should -BeNullOrEmpty
    }
}
