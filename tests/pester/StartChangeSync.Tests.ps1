BeforeAll {
    . (Join-Path $PSScriptRoot 'TestModule.ps1')
    $suffix = [guid]::NewGuid().ToString('N').Substring(0, 12)
    $schema = "pester_cs_$suffix"
    Invoke-Psql "CREATE SCHEMA $schema; CREATE TABLE $schema.vehicles (id integer PRIMARY KEY, plate text, seen timestamptz); INSERT INTO $schema.vehicles SELECT i, 'P-' || i, now() FROM generate_series(1, 200) i"
    Invoke-Psql "SELECT pg_create_logical_replication_slot('$schema', 'pgoutput')"
    $database = "pester_$suffix"
    # One splatted hashtable for both cmdlets, as the README shows.
    $job = @{
        Server                = $PgParts.Host
        Port                  = [int]$PgParts.Port
        Credential            = [pscredential]::new($PgParts.Username, (ConvertTo-SecureString $PgParts.Password -AsPlainText -Force))
        PostgresDatabase      = $PgParts.Database
        Schema                = $schema
        Table                 = 'vehicles'
        Collection            = 'vehicles'
        SlotName              = $schema
        MongoConnectionString = $env:SYNCTOOLS_TEST_MONGO
        MongoDatabase         = $database
    }
}

AfterAll {
    Invoke-Psql "SELECT pg_drop_replication_slot('$schema'); DROP PUBLICATION IF EXISTS $schema; DROP SCHEMA $schema CASCADE"
    Remove-TestMongoDatabase $database
}

Describe 'Start-ChangeSync' {
    It 'refuses before a full sync has published an LSN, saying what to run' {
        $err = { Start-ChangeSync @job -CreatePublication } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'ChangeSyncNoPublishedLsn,*'
        $err.Exception.Message | Should -BeLike '*Start-FullSync*'
    }

    It 'follows the full sync with the changes made since, and pipes into Get-SyncStatus' {
        $full = Start-FullSync @job -CreatePublication
        Invoke-Psql "INSERT INTO $schema.vehicles VALUES (201, 'NEW', now()); UPDATE $schema.vehicles SET plate = 'CHANGED' WHERE id = 1; DELETE FROM $schema.vehicles WHERE id = 2"
        Start-ChangeSync @job -WhatIf | Should -BeNullOrEmpty

        $result = Start-ChangeSync @job
        $status = $result | Get-SyncStatus

        $full.TargetRows | Should -Be 200
        $result.Transactions | Should -Be 1
        $result.Inserted, $result.Updated, $result.Deleted | Should -Be 1, 1, 1
        $result.FromLsn | Should -Be $full.Lsn
        $status.Job | Should -Be 'Start-ChangeSync'
        $status.IsHealthy | Should -BeTrue
        $documents = Invoke-NodeMongo 'console.log(JSON.stringify(await c.db(args[0]).collection("vehicles").find({ _id: { $in: [1, 2, 201] } }).sort({ _id: 1 }).toArray()))' $database | ConvertFrom-Json
        $documents.plate | Should -Be 'CHANGED', 'NEW'
    }

    It 'keeps following in a script with -Follow until -MaxDuration, then writes what it applied' {
        $csv = Join-Path $TestDrive 'changesync.csv'
        $writer = Start-ThreadJob -ArgumentList $Psql, $PgParts, $schema -ScriptBlock {
            param($Psql, $PgParts, $schema)
            Start-Sleep -Seconds 2
            $env:PGPASSWORD = $PgParts.Password
            & $Psql -h $PgParts.Host -p $PgParts.Port -U $PgParts.Username -d $PgParts.Database -q -c "INSERT INTO $schema.vehicles VALUES (300, 'LIVE', now())"
        }
        $settings = ($job.GetEnumerator() | Where-Object Key -NotIn 'Credential', 'Port' | ForEach-Object { "$($_.Key) = '$($_.Value)'" }) -join '; '

        $output = Invoke-FreshSession @"
Import-Module '$($manifest.FullName)'
`$ErrorActionPreference = 'Stop'
`$job = @{ $settings; Port = $($PgParts.Port); Credential = [pscredential]::new('$($PgParts.Username)', (ConvertTo-SecureString '$($PgParts.Password)' -AsPlainText -Force)) }
Start-ChangeSync @job -Follow -MaxDuration (New-TimeSpan -Seconds 6) | Export-Csv -Path '$csv'
"@
        $writer | Wait-Job | Remove-Job

        $LASTEXITCODE | Should -Be 0 -Because $output
        Get-CsvColumn $csv | Should -Be (Get-DocumentedColumn ChangeSyncResult)
        $row = Import-Csv -Path $csv
        $row.Inserted | Should -Be '1'
        $row.Lag | Should -Be '00:00:00'
    }
}
