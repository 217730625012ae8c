BeforeAll {
    . (Join-Path $PSScriptRoot 'TestModule.ps1')
    $suffix = [guid]::NewGuid().ToString('N').Substring(0, 12)
    $mysqlDatabase = "pester_$suffix"
    $parts = $MySqlParts
    Invoke-MariaDb "CREATE DATABASE $mysqlDatabase; CREATE TABLE $mysqlDatabase.cm_cluster_id (cluster_id VARCHAR(40) PRIMARY KEY) CHARACTER SET utf8mb3"
    $mysql = @{
        Server     = $parts.Server
        Port       = [int]$parts.Port
        Credential = [pscredential]::new($parts.'User ID', (ConvertTo-SecureString $parts.Password -AsPlainText -Force))
        MySqlDatabase = $mysqlDatabase
    }
    $mongo = @{ MongoConnectionString = $env:SYNCTOOLS_TEST_MONGO; MongoDatabase = "pester_$suffix" }
    # Seed cluster_trips with the official driver (the reference npm package the services installed).
    Invoke-NodeMongo "await c.db('pester_$suffix').collection('cluster_trips').insertMany([{ _id: new mongodb.ObjectId('64b7f0c2a1b2c3d4e5f60718') }, { _id: 'route-7' }, { _id: 42 }]);"
}

AfterAll {
    Remove-TestMongoDatabase "pester_$suffix"
    Invoke-MariaDb "DROP DATABASE IF EXISTS $mysqlDatabase"
}

Describe 'Update-ClusterId' {
    It 'inserts what MySQL lacks and, with -PassThru, writes the ids whole to CSV' {
        $csv = Join-Path $TestDrive 'clusters.csv'

        Update-ClusterId @mongo @mysql -PassThru -Verbose 4>&1 | Tee-Object -Variable output | Where-Object ClusterId | Out-Null
        $output | Where-Object ClusterId | Export-Csv -Path $csv

        $rows = Import-Csv -Path $csv
        $rows.ClusterId | Sort-Object | Should -Be @('42', '64b7f0c2a1b2c3d4e5f60718', 'route-7')
        $rows.Job | Select-Object -Unique | Should -Be 'Update-ClusterId'
        "$($output | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })" | Should -Match '3 inserted'
        (Get-SyncStatus -Job Update-ClusterId -Target "*/$mysqlDatabase/*").Counts | Should -Match 'Inserted=3'
    }

    It 'writes its summary, and only it, without -PassThru, for Export-Csv' {
        $csv = Join-Path $TestDrive 'summary.csv'

        Update-ClusterId @mongo @mysql | Export-Csv -Path $csv

        $row = Import-Csv -Path $csv
        $row.AlreadyPresent | Should -Be '3'
        $row.Target | Should -Be "$mysqlDatabase.cm_cluster_id.cluster_id"
    }


    It 'stops with a categorised error for an unknown table' {
        $err = { Update-ClusterId @mongo @mysql -Table no_such_table } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'MySqlTableNotFound,*'
        $err.Exception.Message | Should -BeLike '*has no table*no_such_table*'
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }
}
