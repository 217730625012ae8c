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

# The test PostgreSQL's connection parts, and psql against it (the server's own client, found beside it when not on PATH).
$PgParts = ConvertFrom-StringData (($env:SYNCTOOLS_TEST_PG ?? '') -replace ';', "`n")
$Psql = (Get-Command psql -ErrorAction SilentlyContinue).Source ?? '/usr/lib/postgresql/15/bin/psql'
function Invoke-Psql([string] $Sql, [string] $Database = $PgParts.Database) {
    $saved = $env:PGPASSWORD
    $env:PGPASSWORD = $PgParts.Password
    & $Psql -h $PgParts.Host -p $PgParts.Port -U $PgParts.Username -d $Database -v ON_ERROR_STOP=1 -q -c $Sql
    $env:PGPASSWORD = $saved
    if ($LASTEXITCODE -ne 0) { throw "psql failed: $Sql" }
}

# The test MariaDB's connection parts, and its own client against it: the result rows, tab-separated, no header.
$MySqlParts = ConvertFrom-StringData (($env:SYNCTOOLS_TEST_MYSQL ?? '') -replace ';', "`n")
function Invoke-MariaDb([string] $Sql) {
    $Sql | & mariadb --no-defaults -h $MySqlParts.Server -P $MySqlParts.Port -u $MySqlParts.'User ID' "-p$($MySqlParts.Password)" -N
    if ($LASTEXITCODE) { throw "mariadb failed: $Sql" }
}

# The columns the README lists for a result type: "Result (`Type`...): `A, B, C`".
function Get-DocumentedColumn([string] $Type) {
    $readme = Get-Content -Raw (Join-Path $PSScriptRoot '../../README.md')
    $match = [regex]::Match($readme, "Result \(``$Type``\)[^``]*``([^``]+)``")
    if (-not $match.Success) { throw "The README documents no columns for $Type." }
    $match.Groups[1].Value -split ',\s*' | ForEach-Object Trim
}

function Get-CsvColumn([string] $Path) { (Get-Content -Path $Path -TotalCount 1) -split ',' | ForEach-Object { $_.Trim('"') } }

# A Tow-and-Go snapshot of two links, one without a segment.
$TwoLinks = '{"last_modified": 1684216515, "tow_and_go": [{"link_id": 1, "segment_id": 10}, {"link_id": 2, "segment_id": null}]}'

function New-TestBucket {
    # s3rver accepts an anonymous PUT: the test needs no S3 client of its own.
    $name = 'pester-' + [guid]::NewGuid().ToString('N').Substring(0, 12)
    $null = Invoke-WebRequest -Method Put -Uri "$env:SYNCTOOLS_TEST_S3/$name"
    $name
}

# The command line that starts a fresh PowerShell like this one, however pwsh is installed: its native executable,
# or, for pwsh run as a .NET tool (whose process is `dotnet`), `dotnet <PSHOME>/pwsh.dll`.
$FreshPwsh = if (Test-Path (Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')) -PathType Leaf) {
    , (Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh'))
} else {
    [Environment]::ProcessPath, (Join-Path $PSHOME 'pwsh.dll')
}

function Invoke-FreshSession([string] $Script) {
    # A new pwsh running $Script, so that what it loads, and in which order, is that script's alone; its output as text.
    # Its working folder is a temporary one: nothing it writes by a relative path lands in the checkout.
    $folder = Join-Path ([IO.Path]::GetTempPath()) "synctools-pester-$([guid]::NewGuid().ToString('N'))"
    $null = New-Item -ItemType Directory -Path $folder
    $path = Join-Path $folder 'session.ps1'
    Set-Content -Path $path -Value $Script
    Push-Location $folder
    try {
        $exe, $arguments = $FreshPwsh
        & $exe @arguments -NoProfile -NonInteractive -File $path 2>&1 | Out-String
    }
    finally {
        Pop-Location
        Remove-Item -Recurse -Force $folder
    }
}

# A database name of the test's own on the test MongoDB-wire server; Remove-TestMongoDatabase drops it after.
function New-TestMongoDatabaseName { 'pester_' + [guid]::NewGuid().ToString('N').Substring(0, 12) }

# Runs $Body (JavaScript with `c`, a connected client of the official Node.js driver, and `mongodb`, the driver's
# module) against the test MongoDB-wire server; $Arguments are in `args`. Throws if it fails.
function Invoke-NodeMongo([string] $Body, [string[]] $Arguments = @()) {
    $script = "const mongodb = require('node:module').createRequire(process.env.SYNCTOOLS_TEST_NODE_MODULES + '/')('mongodb');" +
        " const c = new mongodb.MongoClient(process.env.SYNCTOOLS_TEST_MONGO); const args = process.argv.slice(1);" +
        " (async () => { try { $Body } finally { await c.close(); } })().catch(e => { console.error(e.message); process.exit(1); });"
    & node -e $script @Arguments
    if ($LASTEXITCODE -ne 0) { throw "node failed on the test MongoDB server: $Body" }
}

function Remove-TestMongoDatabase([string[]] $Name) {
    # Drops what a test created on the test MongoDB-wire server.
    Invoke-NodeMongo 'for (const n of args) await c.db(n).dropDatabase();' $Name
}
