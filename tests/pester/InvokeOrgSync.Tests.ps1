BeforeAll {
    . (Join-Path $PSScriptRoot 'TestModule.ps1')
    $suffix = [guid]::NewGuid().ToString('N').Substring(0, 12)
    $laas = "pester_laas_$suffix"
    $org = "pester_org_$suffix"
    $parts = $MySqlParts
    $schema = Get-Content -Raw (Join-Path $PSScriptRoot '../Shared/laas.sql')
    Invoke-MariaDb @"
CREATE DATABASE $laas; USE $laas; $schema
INSERT INTO institutes VALUES (1, 'North', NULL, '2020-01-01', '2020-01-01'), (2, 'South', NULL, '2020-01-01', '2020-01-01');
INSERT INTO users VALUES (1, 'Ada', 'Lovelace', 'ada@x.org', 'h1', 1, '2020-01-01', '2020-01-01'),
  (2, 'Grace', NULL, 'grace@x.org', 'h2', 1, '2020-01-01', '2020-01-01'), (3, 'Off', 'Line', 'off@x.org', 'h3', 0, '2020-01-01', '2020-01-01');
INSERT INTO institute_user (institute_id, user_id, user_type, status, created_at, updated_at) VALUES
  (1, 1, 'TEACHER', 'ACTIVE', '2020-01-01', '2020-01-01'), (2, 2, 'STUDENT', 'ACTIVE', '2020-01-01', '2020-01-01');
"@
    $mysql = @{
        Server         = $parts.Server
        Port           = [int]$parts.Port
        Credential     = [pscredential]::new($parts.'User ID', (ConvertTo-SecureString $parts.Password -AsPlainText -Force))
        SourceDatabase = $laas
        TargetDatabase = $org
    }
}

AfterAll {
    Invoke-MariaDb "DROP DATABASE IF EXISTS $laas; DROP DATABASE IF EXISTS $org;"
}

Describe 'Invoke-OrgSync' {
    It 'previews with -WhatIf: says per table what it would write, writes nothing, emits nothing' {
        $command = "Import-Module '$($manifest.FullName)'; `$c = [pscredential]::new('$($parts.'User ID')', (ConvertTo-SecureString '$($parts.Password)' -AsPlainText -Force));" +
            " Invoke-OrgSync -Server $($parts.Server) -Port $($parts.Port) -Credential `$c -SourceDatabase $laas -TargetDatabase $org -CreateTargetSchema -WhatIf"
        Invoke-MariaDb "CREATE DATABASE $org; USE $org; $(Get-Content -Raw (Join-Path (Split-Path $manifest.FullName) 'sql/organizations.sql'))"

        $text = Invoke-FreshSession $command

        $text | Should -Match "What if: Performing the operation `"Insert 2 and update 0 rows from $laas.users"
        $text | Should -Match "on target `"$org.user`""
        $text | Should -Not -Match $parts.Password
        (Invoke-OrgSync @mysql -Table Users -WhatIf) | Should -BeNullOrEmpty
        Invoke-MariaDb "SELECT COUNT(*) FROM $org.user" | Should -Be '0'
    }

    It 'previews -CreateTargetSchema -WhatIf into a database that does not exist yet: what it would create, then each table' {
        $fresh = "pester_orgnew_$suffix"
        $command = "Import-Module '$($manifest.FullName)'; `$c = [pscredential]::new('$($parts.'User ID')', (ConvertTo-SecureString '$($parts.Password)' -AsPlainText -Force));" +
            " Invoke-OrgSync -Server $($parts.Server) -Port $($parts.Port) -Credential `$c -SourceDatabase $laas -TargetDatabase $fresh -CreateTargetSchema -WhatIf"

        $text = Invoke-FreshSession $command

        $text | Should -Match "What if: Performing the operation `"Create the database ``$fresh`` and the organizations tables institute, user, institute_users, user_auth`""
        $text | Should -Match "Insert 2 and update 0 rows from $laas.users"
        $text | Should -Match "Insert 2 and update 0 rows from $laas.institute_user"
        $text | Should -Not -Match 'MySqlDatabaseNotFound|Exception'
        Invoke-MariaDb "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '$fresh'" | Should -Be '0'
    }

    It 'syncs every table in order; results go to CSV and into Get-SyncStatus' {
        $csv = Join-Path $TestDrive 'orgsync.csv'

        $results = Invoke-OrgSync @mysql
        $results | Export-Csv -Path $csv
        $status = $results | Get-SyncStatus

        $results.Table | Should -Be @('Institutes', 'Users', 'InstituteUsers', 'UserAuth')
        $results.Inserted | Should -Be @(2, 2, 2, 2)
        (Import-Csv $csv | Where-Object Table -EQ 'InstituteUsers').Inserted | Should -Be '2'
        $status.Job | Should -Be 'Invoke-OrgSync'
        $status.IsHealthy | Should -BeTrue
        $status.Counts | Should -Match 'Inserted=8'
    }

    It 'with -Incremental reads only what changed since the last run' {
        Invoke-MariaDb "UPDATE $laas.users SET last_name = 'Hopper', updated_at = NOW() WHERE id = 2"

        $results = Invoke-OrgSync @mysql -Incremental

        $results.Read | Should -Be @(0, 1, 1, 1)
        ($results | Where-Object Table -EQ 'Users').Updated | Should -Be 1
    }

    It 'reports a row the target refuses as a non-terminating error and writes the rest' {
        Invoke-MariaDb "INSERT INTO $laas.users VALUES (4, 'Long', 'Mail', CONCAT(REPEAT('x', 200), '@x.org'), 'h4', 1, NOW(), NOW()), (5, 'Fine', 'User', 'fine@x.org', 'h5', 1, NOW(), NOW())"

        $results = Invoke-OrgSync @mysql -Table Users -ErrorVariable rowErrors -ErrorAction SilentlyContinue

        $rowErrors.Count | Should -Be 1
        $rowErrors[0].FullyQualifiedErrorId | Should -BeLike 'OrgSyncRowFailed,*'
        $rowErrors[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $rowErrors[0].TargetObject | Should -Be "$laas.users id 4"
        ($results.Inserted, $results.Failed) | Should -Be @(1, 1)
    }

    It 'under -ErrorAction Stop stops at that row, and the journal says it failed because of it' {
        { Invoke-OrgSync @mysql -Table Users -ErrorAction Stop } | Should -Throw

        $status = Get-SyncStatus -Job Invoke-OrgSync -Target "*$org"
        $status.LastStatus | Should -Be 'Failed'
        $status.Reason | Should -BeLike "*$laas.users*"
    }

    It 'warns about a user deactivated in the source and shows the target degraded; -RemoveMissing removes the user, counted' {
        Invoke-MariaDb "UPDATE $laas.users SET is_active = 0 WHERE id = 2"

        $kept = Invoke-OrgSync @mysql -WarningVariable warnings -WarningAction SilentlyContinue -ErrorAction SilentlyContinue
        $status = $kept | Get-SyncStatus
        $removed = Invoke-OrgSync @mysql -RemoveMissing -MaxRemove 100 -ErrorAction SilentlyContinue

        @($warnings | Where-Object { "$_" -like '*gone or inactive*-RemoveMissing*' }) | Should -HaveCount 1
        ($kept | Where-Object Table -EQ 'UserAuth').Stale | Should -Be 1
        $status.Health | Should -Be 'Degraded'
        $status.Reason | Should -BeLike '*rows whose source rows are gone or inactive*-RemoveMissing*'
        $removed.Removed | Should -Be @(0, 1, 1, 1)
        Invoke-MariaDb "SELECT COUNT(*) FROM $org.user_auth WHERE userId = 2" | Should -Be '0'
    }

    It 'stops with a categorised error naming what is missing' {
        $err = { Invoke-OrgSync @mysql -TargetDatabase "$($org)_absent" } | Should -Throw -PassThru
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err.Exception.Message | Should -Match 'no database'
    }
}
