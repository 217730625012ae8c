# Dot-sourced by the Pester files: imports the assembled module and gives the test services' S3 settings.
$manifest = Get-ChildItem (Join-Path $PSScriptRoot '../../out/SyncTools/*/SyncTools.psd1') | Sort-Object FullName | Select-Object -Last 1
if (-not $manifest) { throw 'The module is not assembled: run dotnet publish src/SyncTools.PowerShell -c Release first.' }
Import-Module $manifest.FullName -Force
foreach ($variable in 'SYNCTOOLS_TEST_S3', 'SYNCTOOLS_TEST_MONGO') {
    if (-not (Get-Item "env:$variable" -ErrorAction SilentlyContinue)) { throw "$variable is not set: run tests/run.sh, or eval `"`$(tests/services/services.sh start)`"." }
}

$S3 = @{
    EndpointUrl = $env:SYNCTOOLS_TEST_S3
    Credential  = [pscredential]::new('S3RVER', (ConvertTo-SecureString 'S3RVER' -AsPlainText -Force))
}

function New-TestBucket {
    $name = 'pester-' + [guid]::NewGuid().ToString('N').Substring(0, 12)
    $config = [Amazon.S3.AmazonS3Config]@{ ServiceURL = $env:SYNCTOOLS_TEST_S3; ForcePathStyle = $true }
    $client = [Amazon.S3.AmazonS3Client]::new('S3RVER', 'S3RVER', $config)
    $null = $client.PutBucketAsync($name).GetAwaiter().GetResult()
    $client.Dispose()
    $name
}
