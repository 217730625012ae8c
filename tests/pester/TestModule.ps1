# Dot-sourced by the Pester files: imports the assembled module and gives the test services' S3 settings.
$manifest = Get-ChildItem (Join-Path $PSScriptRoot '../../out/SyncTools/*/SyncTools.psd1') | Sort-Object FullName | Select-Object -Last 1
if (-not $manifest) { throw 'The module is not assembled: run dotnet publish src/SyncTools.PowerShell -c Release first.' }
Import-Module $manifest.FullName -Force
foreach ($variable in 'SYNCTOOLS_TEST_S3', 'SYNCTOOLS_TEST_MONGO') {
    if (-not (Get-Item "env:$variable" -ErrorAction SilentlyContinue)) { throw "$variable is not set: run tests/run.sh, or eval `"`$(tests/services/services.sh start)`"." }
}

# The run journal of this test session, never the user's.
$env:SYNCTOOLS_JOURNAL = Join-Path ([IO.Path]::GetTempPath()) "synctools-pester-$PID.jsonl"

$S3 = @{
    EndpointUrl = $env:SYNCTOOLS_TEST_S3
    Credential  = [pscredential]::new('S3RVER', (ConvertTo-SecureString 'S3RVER' -AsPlainText -Force))
}

function New-TestBucket {
    # s3rver accepts an anonymous PUT: the test needs no S3 client of its own.
    $name = 'pester-' + [guid]::NewGuid().ToString('N').Substring(0, 12)
    $null = Invoke-WebRequest -Method Put -Uri "$env:SYNCTOOLS_TEST_S3/$name"
    $name
}
