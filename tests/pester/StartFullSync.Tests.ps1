BeforeAll {
    . (Join-Path $PSScriptRoot 'TestModule.ps1')
    $suffix = [guid]::NewGuid().ToString('N').Substring(0, 12)
    $schema = "pester_$suffix"
    Invoke-Psql "CREATE SCHEMA $schema; CREATE TABLE $schema.sims (iccid bigint PRIMARY KEY, status text, attrs jsonb); INSERT INTO $schema.sims SELECT i, CASE WHEN i % 4 = 0 THEN 'deleted' ELSE 'active' END, jsonb_build_object('n', i) FROM generate_series(1, 500) i"
    Invoke-Psql "SELECT pg_create_logical_replication_slot('$schema', 'test_decoding')"
    $pg = @{
        Server           = $PgParts.Host
        Port             = [int]$PgParts.Port
        Credential       = [pscredential]::new($PgParts.Username, (ConvertTo-SecureString $PgParts.Password -AsPlainText -Force))
        PostgresDatabase = $PgParts.Database
        Schema           = $schema
        SlotName         = $schema
    }
    $mongo = @{ MongoConnectionString = $env:SYNCTOOLS_TEST_MONGO; Database = "pester_$suffix" }
}

AfterAll {
    Invoke-Psql "SELECT pg_drop_replication_slot('$schema'); DROP SCHEMA $schema CASCADE"
    Remove-TestMongoDatabase "pester_$suffix"
}

Describe 'Start-FullSync' {
    It 'previews under -WhatIf without writing or returning anything' {
        Start-FullSync sims sims @pg @mongo -WhatIf | Should -BeNullOrEmpty
    }

    It 'copies the filtered table, reports to CSV, and pipes into Get-SyncStatus' {
        $csv = Join-Path $TestDrive 'fullsync.csv'

        $result = Start-FullSync sims sims @pg @mongo -Where "status <> 'deleted'" -PageSize 100
        $result | Export-Csv -Path $csv
        $status = $result | Get-SyncStatus -Live -PostgresConnectionString $env:SYNCTOOLS_TEST_PG -MongoConnectionString $env:SYNCTOOLS_TEST_MONGO

        $row = Import-Csv -Path $csv
        $row.CopiedRows | Should -Be '375'
        $row.TargetRows | Should -Be '375'
        $row.Status | Should -Be 'FINISHED'
        $row.Lsn | Should -Match '^[0-9A-F]+/[0-9A-F]+$'
        $status.Job | Should -Be 'Start-FullSync'
        $status.SourceCount | Should -Be 375
        $status.IsHealthy | Should -BeTrue
    }

    It 'stops with a categorised error for a missing slot, naming it' {
        $err = { Start-FullSync sims sims @pg @mongo -SlotName no_such_slot } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'PgSlotNotFound,*'
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err.Exception.Message | Should -BeLike '*no_such_slot*'
    }
}
