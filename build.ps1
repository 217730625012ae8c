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
    Demo     starts the local test services, seeds them with sample data, runs every job against them and prints
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
    $mongo = @{ MongoConnectionString = $env:SYNCTOOLS_TEST_MONGO; MongoDatabase = 'synctools_demo' }
    Send-TowAndGoData -Path $path -Bucket synctools-demo -Key demo/latest.json @s3 | Sync-TowAndGoToMongo @mongo @s3 | Format-Table
    Send-TowAndGoData -Path $path -Bucket synctools-demo -Key demo/latest.json @s3 | Sync-TowAndGoToMongo @mongo @s3 | Format-Table

    $mysqlParts = ConvertFrom-StringData ($env:SYNCTOOLS_TEST_MYSQL -replace ';', "`n")
    $mysql = @{
        Server     = $mysqlParts.Server
        Port       = [int]$mysqlParts.Port
        Credential = [pscredential]::new($mysqlParts.'User ID', (ConvertTo-SecureString $mysqlParts.Password -AsPlainText -Force))
    }
    function Invoke-MariaDb([string] $Sql) {
        $Sql | & mariadb --no-defaults -h $mysqlParts.Server -P $mysqlParts.Port -u $mysqlParts.'User ID' "-p$($mysqlParts.Password)"
        if ($LASTEXITCODE) { throw 'mariadb failed' }
    }

    Write-Host "`n== Seeding: a LAAS database of 200 users in 5 institutes" -ForegroundColor Cyan
    Invoke-MariaDb @"
DROP DATABASE IF EXISTS synctools_demo_laas; DROP DATABASE IF EXISTS synctools_demo_org; CREATE DATABASE synctools_demo_laas; USE synctools_demo_laas;
$(Get-Content -Raw tests/Shared/laas.sql)
INSERT INTO institutes SELECT seq, CONCAT('Institute ', seq), NULL, NOW(), NOW() FROM seq_1_to_5;
INSERT INTO users SELECT seq, CONCAT('First', seq), CONCAT('Last', seq), CONCAT('user', seq, '@example.org'), CONCAT('hash', seq), seq % 20 <> 0, NOW(), NOW() FROM seq_1_to_200;
INSERT INTO institute_user (institute_id, user_id, user_type, status, created_at, updated_at)
  SELECT 1 + seq % 5, seq, IF(seq % 10 = 0, 'TEACHER', 'STUDENT'), 'ACTIVE', NOW(), NOW() FROM seq_1_to_200;
"@

    Write-Host "`n== Invoke-OrgSync into a new organizations database (-CreateTargetSchema), then again: nothing changes" -ForegroundColor Cyan
    Invoke-OrgSync @mysql -SourceDatabase synctools_demo_laas -TargetDatabase synctools_demo_org -CreateTargetSchema | Format-Table
    Invoke-OrgSync @mysql -SourceDatabase synctools_demo_laas -TargetDatabase synctools_demo_org | Format-Table

    Write-Host "`n== Seeding: 1,000 cluster_trips in MongoDB, a cm_cluster_id table in MySQL holding 400 of them" -ForegroundColor Cyan
    $ids = 1..1000 | ForEach-Object { "'trip-$_'" }
    & node -e "const m = require(process.argv[1] + '/mongodb'); (async () => { const c = new m.MongoClient(process.env.SYNCTOOLS_TEST_MONGO); await c.db('synctools_demo').collection('cluster_trips').deleteMany({}); await c.db('synctools_demo').collection('cluster_trips').insertMany(Array.from({ length: 1000 }, (_, i) => ({ _id: 'trip-' + (i + 1) }))); await c.close(); })();" $env:SYNCTOOLS_TEST_NODE_MODULES
    Invoke-MariaDb "USE synctools_demo_org; DROP TABLE IF EXISTS cm_cluster_id; CREATE TABLE cm_cluster_id (cluster_id VARCHAR(64) PRIMARY KEY); INSERT INTO cm_cluster_id VALUES $(($ids | Select-Object -First 400 | ForEach-Object { "($_)" }) -join ',');"

    Write-Host "`n== Update-ClusterId" -ForegroundColor Cyan
    Update-ClusterId @mysql -MySqlDatabase synctools_demo_org -MongoConnectionString $env:SYNCTOOLS_TEST_MONGO -MongoDatabase synctools_demo | Format-Table

    $pgParts = ConvertFrom-StringData ($env:SYNCTOOLS_TEST_PG -replace ';', "`n")
    $psql = (Get-Command psql -ErrorAction SilentlyContinue).Source ?? (Get-Item /usr/lib/postgresql/*/bin/psql | Select-Object -First 1).FullName
    function Invoke-Psql([string] $Sql) {
        $env:PGPASSWORD = $pgParts.Password
        $null = & $psql -h $pgParts.Host -p $pgParts.Port -U $pgParts.Username -d $pgParts.Database -v ON_ERROR_STOP=1 -q -c "SET client_min_messages = warning; $Sql"
        Remove-Item env:PGPASSWORD
        if ($LASTEXITCODE) { throw 'psql failed' }
    }

    Write-Host "`n== Seeding: a PostgreSQL table of 20,000 vehicles, its publication and a pgoutput slot" -ForegroundColor Cyan
    Invoke-Psql "SELECT pg_drop_replication_slot('synctools_demo') FROM pg_replication_slots WHERE slot_name = 'synctools_demo'"
    Invoke-Psql "DROP SCHEMA IF EXISTS synctools_demo CASCADE; DROP PUBLICATION IF EXISTS synctools_demo; CREATE SCHEMA synctools_demo; CREATE TABLE synctools_demo.vehicles (id integer PRIMARY KEY, plate text, seen timestamptz, attrs jsonb); INSERT INTO synctools_demo.vehicles SELECT i, 'P-' || i, now(), jsonb_build_object('n', i) FROM generate_series(1, 20000) i"
    Invoke-Psql "SELECT pg_create_logical_replication_slot('synctools_demo', 'pgoutput')"
    $job = @{
        PostgresConnectionString = $env:SYNCTOOLS_TEST_PG; Schema = 'synctools_demo'; Table = 'vehicles'; SlotName = 'synctools_demo'
        MongoConnectionString = $env:SYNCTOOLS_TEST_MONGO; MongoDatabase = 'synctools_demo'; Collection = 'vehicles'
    }

    Write-Host "`n== Start-FullSync (creates the publication), then changes, then Start-ChangeSync" -ForegroundColor Cyan
    Start-FullSync @job -CreatePublication | Format-Table
    Invoke-Psql "INSERT INTO synctools_demo.vehicles VALUES (20001, 'NEW', now(), '{}'); UPDATE synctools_demo.vehicles SET plate = 'CHANGED' WHERE id <= 10; DELETE FROM synctools_demo.vehicles WHERE id BETWEEN 11 AND 15"
    Start-ChangeSync @job | Format-Table

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
