# Every example of the README's cmdlet sections and of each cmdlet's help, run as written but for the endpoints:
# - host names, ports and user names become the test servers' (mongodb:// URIs keep their database);
# - Get-Credential, Get-Secret and AWS Tools' Get-S3Object (not installed here) answer from the test servers, and
#   $cred, which the examples take as given, is the credential Get-Credential gives;
# - a -MaxDuration of N hours lasts N milliseconds, the time the test tables take to copy a page.
# The environment is the one the examples assume (DB_*, PG*, SLOTNAME, MONGODB_URI, the AWS chain), against the
# fixtures they name (the LAAS database, kyc.sims, fleet.vehicles, the traffic buckets...), created here and removed
# after. The examples of one cmdlet run in order, as a reader tries them, each in a runspace and folder of its own.
BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestModule.ps1')
    $readme = Get-Content -Raw (Join-Path $PSScriptRoot '../../README.md')
    $cmdlets = [regex]::Match($readme, '(?s)\n## Cmdlets\n(.*?)\n## ').Groups[1].Value
    $examples = foreach ($section in [regex]::Matches($cmdlets, '(?s)### ([\w-]+)\n(.*?)(?=\n### |\z)')) {
        foreach ($block in [regex]::Matches($section.Groups[2].Value, '(?s)```powershell\n(.*?)```')) {
            @{ Command = $section.Groups[1].Value; Name = "README, $($section.Groups[1].Value)"; Code = $block.Groups[1].Value }
        }
    }
    $examples += foreach ($command in Get-Command -Module SyncTools -CommandType Cmdlet) {
        $number = 0
        foreach ($example in (Get-Help $command.Name).examples.example) {
            $number++
            @{ Command = $command.Name; Name = "Get-Help $($command.Name), example $number"; Code = $example.code }
        }
    }
    $order = 'Send-TowAndGoData', 'Sync-TowAndGoToMongo', 'Invoke-OrgSync', 'Update-ClusterId', 'Start-FullSync', 'Start-ChangeSync', 'Get-SyncStatus', 'Remove-SyncStatus'
    $examples = $examples | Sort-Object -Stable { $order.IndexOf($_.Command) }, { $_.Name -notlike 'README*' }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestModule.ps1')
    $mongoBase, $mongoOptions = $env:SYNCTOOLS_TEST_MONGO -split '/\?'
    $mongoDatabases = 'towandgo', 'traffic', 'analytics', 'trips', 'ingest', 'kyc', 'fleet'
    $mysqlDatabases = 'laas', 'organizations', 'maas', 'analytics', 'orgnew'
    $buckets = 'traffic', 'traffic-snapshots'
    function New-TestCredential([string] $User, [string] $Password) { [pscredential]::new($User, (ConvertTo-SecureString $Password -AsPlainText -Force)) }
    # The credential an example's Get-Credential and $cred stand for: the server its cmdlet talks to.
    $credentials = @{
        S3         = New-TestCredential S3RVER S3RVER
        MySql      = New-TestCredential $MySqlParts.'User ID' $MySqlParts.Password
        PostgreSql = New-TestCredential $PgParts.Username $PgParts.Password
    }
    $credentialFor = @{
        'Send-TowAndGoData' = 'S3'; 'Sync-TowAndGoToMongo' = 'S3'; 'Invoke-OrgSync' = 'MySql'; 'Update-ClusterId' = 'MySql'
        'Start-FullSync' = 'PostgreSql'; 'Start-ChangeSync' = 'PostgreSql'; 'Get-SyncStatus' = 'MySql'; 'Remove-SyncStatus' = 'MySql'
    }
    # What the examples assume of the environment; the help examples of the two PostgreSQL cmdlets read fleet, the README's kyc.
    $awsCredentials = Join-Path $TestDrive 'aws-credentials'
    Set-Content $awsCredentials "[traffic]`naws_access_key_id = S3RVER`naws_secret_access_key = S3RVER"
    # The AWS SDK reads where the shared credentials file is once, at its first use in the process.
    $sharedCredentials = $env:AWS_SHARED_CREDENTIALS_FILE
    $env:AWS_SHARED_CREDENTIALS_FILE = $awsCredentials
    $environment = @{
        DB_HOST = $MySqlParts.Server; DB_PORT = $MySqlParts.Port; DB_USERNAME = $MySqlParts.'User ID'; DB_PASSWORD = $MySqlParts.Password
        PGHOST = $PgParts.Host; PGPORT = $PgParts.Port; PGUSER = $PgParts.Username; PGPASSWORD = $PgParts.Password
        AWS_ENDPOINT_URL_S3 = $env:SYNCTOOLS_TEST_S3; AWS_ACCESS_KEY_ID = 'S3RVER'; AWS_SECRET_ACCESS_KEY = 'S3RVER'
        AWS_REGION = 'us-east-1'
    }
    function Get-ExampleEnvironment([string] $Name, [string] $Command) {
        $readme = $Name -like 'README*'
        $mongoDatabase = @{ 'Update-ClusterId' = $readme ? '' : 'analytics'; 'Start-FullSync' = 'fleet'; 'Start-ChangeSync' = 'fleet' }[$Command] ?? 'towandgo'
        $environment + @{
            MONGODB_URI = "$mongoBase/${mongoDatabase}?$mongoOptions"
            PGDATABASE  = $readme ? 'kyc' : 'fleet'
            SLOTNAME    = $readme ? 'cdc_slot' : 'fleet_cdc'
        }
    }

    # The example with the test servers in place of the ones it names.
    function ConvertTo-TestEndpoint([string] $Code) {
        $Code = [regex]::Replace($Code, "mongodb://[^/'`"\s]*(?:/(?<db>[^?'`"\s]*))?(?:\?[^'`"\s]*)?", { param($m) "$mongoBase/$($m.Groups['db'].Value)?$mongoOptions" })
        $Code = $Code -replace 'http://(127\.0\.0\.1|minio\.local):9000', $env:SYNCTOOLS_TEST_S3
        $Code = $Code -replace 'Server=reporting\.local', "Server=$($MySqlParts.Server);Port=$($MySqlParts.Port)"
        $Code = $Code -replace 'User ID=sync', "User ID=$($MySqlParts.'User ID')"
        $Code = $Code -replace "DB_USERNAME = 'sync'", "DB_USERNAME = '$($MySqlParts.'User ID')'"
        $Code = $Code -replace "PGUSER = 'sync'", "PGUSER = '$($PgParts.Username)'"
        $Code = $Code -replace '\b(mysql\.local|db1)\b', $MySqlParts.Server
        $Code = $Code -replace '\b(pg\.local|pg1)\b', $PgParts.Host
        $Code -replace '-MaxDuration \(New-TimeSpan -Hours (\d+)\)', '-MaxDuration (New-TimeSpan -Milliseconds $1)'
    }

    # What the examples' stand-ins for interactive and AWS Tools commands answer, defined in each example's runspace.
    $standIns = {
        param($Manifest, $Credential)
        Import-Module $Manifest
        $cred = $Credential
        function Get-Credential([string] $UserName) { $cred }
        function Get-Secret([string] $Name, [switch] $AsPlainText) { $cred.GetNetworkCredential().Password }
        function Get-S3Object([string] $BucketName, [string] $KeyPrefix, $Region, $ProfileName, $EndpointUrl, $Credential) {
            # AWS Tools' listing: Amazon.S3.Model.S3Object, which carries BucketName and Key.
            $list = [xml](Invoke-WebRequest -Uri "$env:SYNCTOOLS_TEST_S3/$($BucketName)?prefix=$([uri]::EscapeDataString($KeyPrefix))").Content
            foreach ($object in $list.ListBucketResult.Contents) {
                [pscustomobject]@{ BucketName = $BucketName; Key = $object.Key; Size = [long]$object.Size; ETag = $object.ETag; LastModified = [datetime]$object.LastModified }
            }
        }
    }

    # Runs $Code in a new runspace from a folder holding the files the examples read; its output, errors and folder.
    function Invoke-Example([string] $Name, [string] $Command, [string] $Code) {
        $folder = New-Item -ItemType Directory -Path (Join-Path $TestDrive ([guid]::NewGuid().ToString('N')))
        Set-Content (Join-Path $folder 'snapshot.json') (New-Snapshot 1793577600 1, 2, 3)
        Set-Content (Join-Path $folder 'tow-and-go.json') (New-Snapshot 1793664000 1, 2, 4)
        $null = New-Item -ItemType Directory -Path (Join-Path $folder 'snapshots')
        Set-Content (Join-Path $folder 'snapshots/a.json') (New-Snapshot 1793750400 5)
        Set-Content (Join-Path $folder 'snapshots/b.json') (New-Snapshot 1793836800 5, 6)
        $saved = [Environment]::GetEnvironmentVariables()
        $shell = [powershell]::Create()
        try {
            (Get-ExampleEnvironment $Name $Command).GetEnumerator() | ForEach-Object { [Environment]::SetEnvironmentVariable($_.Key, [string]$_.Value) }
            $null = $shell.AddScript("Set-Location '$folder'").AddStatement().AddScript($standIns).AddArgument($manifest.FullName).AddArgument($credentials[$credentialFor[$Command]]).Invoke()
            $shell.Commands.Clear()
            $failure = $null
            $output = try { $shell.AddScript((ConvertTo-TestEndpoint $Code)).Invoke() } catch { $failure = $_.Exception.InnerException ?? $_.Exception }
            [pscustomobject]@{ Output = @($output); Errors = @($shell.Streams.Error); Failure = $failure; Folder = $folder }
        }
        finally {
            $shell.Dispose()
            foreach ($name in [Environment]::GetEnvironmentVariables().Keys) { if (-not $saved.Contains($name)) { [Environment]::SetEnvironmentVariable($name, $null) } }
            foreach ($entry in $saved.GetEnumerator()) { [Environment]::SetEnvironmentVariable($entry.Key, $entry.Value) }
        }
    }

    function New-Snapshot([long] $LastModified, [long[]] $Links) {
        @{ last_modified = $LastModified; tow_and_go = @($Links | ForEach-Object { @{ link_id = $_; segment_id = $_ % 2 ? $_ * 10 : $null } }) } | ConvertTo-Json -Depth 3
    }

    # S3: the two buckets, and the snapshots the Sync-TowAndGoToMongo examples name.
    foreach ($bucket in $buckets) { $null = Invoke-WebRequest -Method Put -Uri "$env:SYNCTOOLS_TEST_S3/$bucket" }
    foreach ($object in @{ Bucket = 'traffic'; Time = 1793491200 }, @{ Bucket = 'traffic-snapshots'; Time = 1793577600 }) {
        $date = [DateTimeOffset]::FromUnixTimeSeconds($object.Time).ToString('yyyy/MM/dd')
        $null = Invoke-WebRequest -Method Put -Uri "$env:SYNCTOOLS_TEST_S3/$($object.Bucket)/tow-and-go/$date/tow-and-go-$($object.Time).json" -Body (New-Snapshot $object.Time 1, 2)
    }
    $null = Invoke-WebRequest -Method Put -Uri "$env:SYNCTOOLS_TEST_S3/traffic-snapshots/tow-and-go/latest.json" -Body (New-Snapshot 1793577600 1, 2)

    # A journal of this file's own, holding a failed run for the examples that look for unhealthy targets.
    $sessionJournal = $env:SYNCTOOLS_JOURNAL
    $env:SYNCTOOLS_JOURNAL = Join-Path $TestDrive 'journal.jsonl'
    { Sync-TowAndGoToMongo -Bucket traffic -Key no/such.json -MongoConnectionString $env:SYNCTOOLS_TEST_MONGO -MongoDatabase towandgo -Collection failed_links @S3 } |
        Should -Throw -ErrorId S3ObjectNotFound*

    # MySQL: LAAS with two institutes and three users, the organizations schema, and the cluster-id tables.
    $laasSchema = Get-Content -Raw (Join-Path $PSScriptRoot '../Shared/laas.sql')
    $orgSchema = Get-Content -Raw (Join-Path (Split-Path $manifest.FullName) 'sql/organizations.sql')
    Invoke-MariaDb @"
CREATE DATABASE laas; USE laas; $laasSchema
INSERT INTO institutes VALUES (1, 'North', NULL, '2020-01-01', '2020-01-01'), (2, 'South', NULL, '2020-01-01', '2020-01-01');
INSERT INTO users VALUES (1, 'Ada', 'Lovelace', 'ada@x.org', 'h1', 1, '2020-01-01', '2020-01-01'),
  (2, 'Grace', NULL, 'grace@x.org', 'h2', 1, '2020-01-01', '2020-01-01'), (3, 'Off', 'Line', 'off@x.org', 'h3', 0, '2020-01-01', '2020-01-01');
INSERT INTO institute_user (institute_id, user_id, user_type, status, created_at, updated_at) VALUES
  (1, 1, 'TEACHER', 'ACTIVE', '2020-01-01', '2020-01-01'), (2, 2, 'STUDENT', 'ACTIVE', '2020-01-01', '2020-01-01');
CREATE DATABASE organizations; USE organizations; $orgSchema
CREATE DATABASE maas; CREATE TABLE maas.cm_cluster_id (cluster_id VARCHAR(40) PRIMARY KEY);
CREATE DATABASE analytics; CREATE TABLE analytics.cm_cluster_id (cluster_id VARCHAR(40) PRIMARY KEY);
INSERT INTO analytics.cm_cluster_id VALUES ('analytics-1');
"@

    # MongoDB: the cluster_trips collections Update-ClusterId reads.
    Invoke-NodeMongo "for (const d of ['analytics', 'trips']) await c.db(d).collection('cluster_trips').insertMany([{ _id: d + '-1' }, { _id: d + '-2' }, { _id: new mongodb.ObjectId() }]);"

    # PostgreSQL: kyc.sims (the README's) and fleet's vehicles and ops.trips (the help's), with their slots.
    Invoke-Psql 'CREATE DATABASE kyc'
    Invoke-Psql 'CREATE DATABASE fleet'
    Invoke-Psql @"
CREATE TABLE sims (iccid bigint PRIMARY KEY, status text, attrs jsonb);
INSERT INTO sims SELECT i, CASE WHEN i % 4 = 0 THEN 'deleted' ELSE 'active' END, jsonb_build_object('n', i) FROM generate_series(1, 12000) i;
"@ -Database kyc
    Invoke-Psql @"
CREATE TABLE vehicles (id integer PRIMARY KEY, plate text, seen timestamptz);
INSERT INTO vehicles SELECT i, 'P-' || i, now() FROM generate_series(1, 200) i;
CREATE SCHEMA ops; CREATE TABLE ops.trips (id bigint PRIMARY KEY, status text, km numeric);
INSERT INTO ops.trips SELECT i, CASE WHEN i % 5 = 0 THEN 'deleted' ELSE 'done' END, i / 10.0 FROM generate_series(1, 12000) i;
"@ -Database fleet
    foreach ($slot in @{ Name = 'cdc_slot'; Plugin = 'test_decoding'; Database = 'kyc' }, @{ Name = 'sims_cdc'; Plugin = 'pgoutput'; Database = 'kyc' },
        @{ Name = 'fleet_cdc'; Plugin = 'pgoutput'; Database = 'fleet' }, @{ Name = 'trips_refresh'; Plugin = 'test_decoding'; Database = 'fleet' }) {
        Invoke-Psql "SELECT pg_create_logical_replication_slot('$($slot.Name)', '$($slot.Plugin)')" -Database $slot.Database
    }
}

AfterAll {
    $env:SYNCTOOLS_JOURNAL = $sessionJournal
    $env:AWS_SHARED_CREDENTIALS_FILE = $sharedCredentials
    foreach ($bucket in $buckets) {
        $list = [xml](Invoke-WebRequest -Uri "$env:SYNCTOOLS_TEST_S3/$bucket").Content
        foreach ($key in $list.ListBucketResult.Contents.Key) { $null = Invoke-WebRequest -Method Delete -Uri "$env:SYNCTOOLS_TEST_S3/$bucket/$key" }
        $null = Invoke-WebRequest -Method Delete -Uri "$env:SYNCTOOLS_TEST_S3/$bucket"
    }
    Invoke-MariaDb (($mysqlDatabases | ForEach-Object { "DROP DATABASE IF EXISTS $_;" }) -join ' ')
    Remove-TestMongoDatabase $mongoDatabases
    foreach ($database in 'kyc', 'fleet') {
        Invoke-Psql "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = '$database'"
        Invoke-Psql "DROP DATABASE IF EXISTS $database WITH (FORCE)"
    }
}

Describe 'Examples as written' {
    It '<Name>' -ForEach $examples {
        # A time limit in the examples stops Start-FullSync's copy, which the next example continues with -Resume.
        $expected = if ($Command -eq 'Start-FullSync' -and $Code -match '-MaxDuration') { 'FullSyncTimeLimit' } else { @() }

        $run = Invoke-Example $Name $Command $Code

        $run.Failure | Should -BeNullOrEmpty
        @($run.Errors | ForEach-Object { $_.FullyQualifiedErrorId -replace ',.*' }) | Should -Be @($expected) -Because ($run.Errors -join "`n")
        if (-not $expected) {
            foreach ($csv in [regex]::Matches($Code, 'Export-Csv\s+("[^"]+"|\S+)') | ForEach-Object { $_.Groups[1].Value }) {
                $path = $ExecutionContext.InvokeCommand.ExpandString($csv.Trim('"'))
                Get-Content (Join-Path $run.Folder $path) -TotalCount 2 | Should -HaveCount 2 -Because "$path holds a header and a row"
            }
        }
    }
}
