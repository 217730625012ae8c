#requires -Version 7.4
<#
.SYNOPSIS
    Builds, tests and demonstrates SyncTools.
.DESCRIPTION
    Build    (default) assembles the importable module in out/SyncTools/<version>/ (dotnet publish does the work,
             so the same folder comes from `dotnet publish src/SyncTools.PowerShell -c Release` without pwsh).
    Package  does Build and packs the module folder into out/packages/SyncTools.<version>.nupkg, a package that
             Install-PSResource and Publish-PSResource accept (without pwsh:
             `dotnet publish src/SyncTools.PowerShell -c Release -p:PackModule=true`).
    Test     runs tests/run.sh: the xunit suites and the Pester files against the local test services.
    Demo     starts the local test services, seeds them with sample data, runs the jobs against them and prints
             their results. The services keep running; stop them with tests/services/services.sh stop.
.EXAMPLE
    ./build.ps1
.EXAMPLE
    ./build.ps1 -Task Package
.EXAMPLE
    ./build.ps1 -Task Demo
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Package', 'Test', 'Demo')]
    [string] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release'
)
$ErrorActionPreference = 'Stop'
Set-Location $PSScriptRoot

function Invoke-Native([string] $Command, [string[]] $Arguments) {
    & $Command @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$Command $($Arguments -join ' ') failed with exit code $LASTEXITCODE" }
}

function Invoke-Build([switch] $Package) {
    Invoke-Native dotnet @('publish', 'src/SyncTools.PowerShell', '-c', $Configuration, '-nologo', "-p:PackModule=$($Package.IsPresent)")
    Get-ChildItem out/SyncTools/*/SyncTools.psd1 | Sort-Object FullName | Select-Object -Last 1
}

function Start-TestService {
    # services.sh prints `export NAME='value'` lines; bring them into this session.
    $lines = & bash tests/services/services.sh start
    if ($LASTEXITCODE -ne 0) { throw 'the local services did not start' }
    foreach ($line in $lines) {
        if ($line -match "^export (\w+)='(.*)'$") { Set-Item "env:$($Matches[1])" $Matches[2] }
    }
}

function Invoke-Demo {
    $manifest = Invoke-Build
    Start-TestService
    Import-Module $manifest.FullName -Force
    $env:SYNCTOOLS_JOURNAL = Join-Path ([IO.Path]::GetTempPath()) 'synctools-demo-journal.jsonl' # not the user's journal
    $s3 = @{
        EndpointUrl = $env:SYNCTOOLS_TEST_S3
        Credential  = [pscredential]::new('S3RVER', (ConvertTo-SecureString 'S3RVER' -AsPlainText -Force))
    }

    Write-Host "`n== Seeding: bucket 'synctools-demo' and a snapshot of 10,000 links" -ForegroundColor Cyan
    $null = Invoke-WebRequest -Method Put -Uri "$env:SYNCTOOLS_TEST_S3/synctools-demo" -SkipHttpErrorCheck # anonymous PUT; it may exist already
    $snapshot = [ordered]@{
        last_modified = [DateTimeOffset]::UtcNow.ToUnixTimeSeconds()
        tow_and_go    = @(foreach ($i in 1..10000) { [ordered]@{ link_id = 17800000 + $i; segment_id = if ($i % 10) { 450000000 + $i } else { $null } } })
    }
    $path = Join-Path ([IO.Path]::GetTempPath()) 'synctools-demo-snapshot.json'
    $snapshot | ConvertTo-Json -Depth 3 -Compress | Set-Content -Path $path

    Write-Host "`n== Send-TowAndGoData (plain, then gzip)" -ForegroundColor Cyan
    Send-TowAndGoData -Path $path -Bucket synctools-demo @s3 | Format-Table
    Send-TowAndGoData -Path $path -Bucket synctools-demo -Compress @s3 | Format-List

    Write-Host "`n== Send-TowAndGoData -WhatIf" -ForegroundColor Cyan
    Send-TowAndGoData -Path $path -Bucket synctools-demo -Key demo/whatif.json -WhatIf @s3

    Write-Host "`n== Send-TowAndGoData | Sync-TowAndGoToMongo (then again: nothing changes)" -ForegroundColor Cyan
    $mongo = @{ MongoConnectionString = $env:SYNCTOOLS_TEST_MONGO; Database = 'synctools_demo' }
    Send-TowAndGoData -Path $path -Bucket synctools-demo -Key demo/latest.json @s3 | Sync-TowAndGoToMongo @mongo @s3 | Format-Table
    Send-TowAndGoData -Path $path -Bucket synctools-demo -Key demo/latest.json @s3 | Sync-TowAndGoToMongo @mongo @s3 | Format-Table

    Write-Host "`n== Get-SyncStatus (from the demo's run journal, $env:SYNCTOOLS_JOURNAL)" -ForegroundColor Cyan
    Get-SyncStatus | Format-Table

    Write-Host "`nThe services keep running: tests/services/services.sh stop" -ForegroundColor Cyan
}

switch ($Task) {
    'Build' { Invoke-Build | Out-Null }
    'Package' { Invoke-Build -Package | Out-Null; Get-ChildItem out/packages/*.nupkg }
    'Test' { Invoke-Native bash @('tests/run.sh') }
    'Demo' { Invoke-Demo }
}
