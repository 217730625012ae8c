#requires -Version 7.4
<#
.SYNOPSIS
    Times Sync-TowAndGoToMongo as a scheduled task runs it: a new pwsh process, Import-Module, one job.
.DESCRIPTION
    Uploads one snapshot of -Links links, then for each run starts two pwsh processes for every module given: the
    first sync into a new database and the same snapshot again. Each process reports the job's own duration, the
    process's CPU time and how many methods the runtime JIT-compiled. Modules alternate, run by run, so that the
    machine's load falls on them alike. With -InSession N, each run is one process instead that does N first syncs,
    each followed by its sync again, as a long-lived session or runbook worker does: each line then reports the
    session's run number, the job's duration and the process's CPU time and JIT count so far. Needs the local test
    services (tests/services/services.sh start).
.EXAMPLE
    ./bench/cold-start.ps1 -Module out/SyncTools/0.1.0/SyncTools.psd1, /tmp/before/out/SyncTools/0.1.0/SyncTools.psd1 -InSession 12
.EXAMPLE
    ./bench/cold-start.ps1 -Module out/SyncTools/0.1.0/SyncTools.psd1, /tmp/before/out/SyncTools/0.1.0/SyncTools.psd1
#>
param(
    [string[]] $Module = @((Get-ChildItem "$PSScriptRoot/../out/SyncTools/*/SyncTools.psd1" | Select-Object -Last 1).FullName),
    [int] $Links = 25000,
    [int] $Runs = 3,
    [int] $InSession = 0
)
$ErrorActionPreference = 'Stop'
foreach ($name in 'SYNCTOOLS_TEST_S3', 'SYNCTOOLS_TEST_MONGO', 'SYNCTOOLS_TEST_NODE_MODULES') {
    if (-not [Environment]::GetEnvironmentVariable($name)) { throw "$name is not set: eval `"`$(tests/services/services.sh start)`" first." }
}
$Module = $Module | ForEach-Object { (Resolve-Path $_).Path }
$pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh') # this same PowerShell
$bucket = 'cold-start-bench'
$key = "tow-and-go/$Links.json"
$env:SYNCTOOLS_JOURNAL = Join-Path ([IO.Path]::GetTempPath()) 'synctools-cold-start-journal.jsonl'

$job = {
    param($Module, $Bucket, $Key, $Databases, $Upload, $Drop)
    $s3 = @{ EndpointUrl = $env:SYNCTOOLS_TEST_S3; Credential = [pscredential]::new('S3RVER', (ConvertTo-SecureString 'S3RVER' -AsPlainText -Force)) }
    Import-Module $Module
    if ($Upload) {
        $links = foreach ($i in 1..$Upload) { @{ link_id = 17000000 + $i; segment_id = if ($i % 10) { 400000000 + $i } else { $null } } }
        $path = Join-Path ([IO.Path]::GetTempPath()) "cold-start-$Upload.json"
        @{ last_modified = 1700000000; tow_and_go = $links } | ConvertTo-Json -Depth 3 -Compress | Set-Content $path
        $null = Send-TowAndGoData -Path $path -Bucket $Bucket -Key $Key @s3
        return
    }
    # Sync-TowAndGoToMongo's database parameter was -Database before it became -MongoDatabase (still its alias).
    foreach ($database in $Databases -split ',') {
        $result = Sync-TowAndGoToMongo -Bucket $Bucket -Key $Key -MongoConnectionString $env:SYNCTOOLS_TEST_MONGO -Database $database @s3
        [pscustomobject]@{
            Job         = $result.Duration.TotalSeconds
            Cpu         = [Diagnostics.Process]::GetCurrentProcess().TotalProcessorTime.TotalSeconds
            Jitted      = [Runtime.JitInfo]::GetCompiledMethodCount($false)
            Written     = $result.Inserted + $result.Updated
        } | ConvertTo-Json -Compress
        if ($Drop -and $done -eq $database) {
            # The test server holds every database in memory: a session of many runs drops each after its second sync.
            node -e "const { MongoClient } = require(process.argv[1] + '/mongodb'); const c = new MongoClient(process.argv[2]); c.db(process.argv[3]).dropDatabase().finally(() => c.close())" $env:SYNCTOOLS_TEST_NODE_MODULES $env:SYNCTOOLS_TEST_MONGO $database
        }
        $done = $database
    }
}

$null = Invoke-WebRequest -Method Put "$env:SYNCTOOLS_TEST_S3/$bucket" -SkipHttpErrorCheck # s3rver takes an unsigned bucket creation
& $pwsh -NoProfile -NonInteractive -Command $job -args $Module[0], $bucket, $key, '', $Links
if ($LASTEXITCODE) { throw "the upload failed" }
$passes = 'first sync (empty)', 'same snapshot again'
$rows = foreach ($run in 1..$Runs) {
    foreach ($path in $Module) {
        $database = "cold_$run$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        # One process per pass, or one for the whole session: each database twice, first sync then again.
        $sessions = @(if ($InSession) { , @(1..$InSession | ForEach-Object { "${database}_$_"; "${database}_$_" }) } else { @($database), @($database) })
        $index = 0
        foreach ($session in $sessions) {
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $lines = & $pwsh -NoProfile -NonInteractive -Command $job -args $path, $bucket, $key, ($session -join ','), 0, ($InSession -gt 0)
            if ($LASTEXITCODE) { throw "the run of $path failed" }
            $elapsed = $clock.Elapsed.TotalSeconds
            foreach ($measured in $lines | ConvertFrom-Json) {
                [pscustomobject]@{
                    Module           = $path
                    Run              = $run
                    'Session run'    = [int][math]::Floor($index / 2) + 1
                    Pass             = $passes[$index++ % 2]
                    'Process s'      = [math]::Round($elapsed, 2)
                    'Job s'          = [math]::Round($measured.Job, 2)
                    'CPU s'          = [math]::Round($measured.Cpu, 2)
                    'JIT methods'    = $measured.Jitted
                    Written          = $measured.Written
                }
            }
        }
    }
}
$rows | Format-Table -AutoSize | Out-String -Width 200
