BeforeAll {
    . (Join-Path $PSScriptRoot 'TestModule.ps1')
    $bucket = New-TestBucket
    $database = New-TestMongoDatabaseName
    $mongo = @{ MongoConnectionString = $env:SYNCTOOLS_TEST_MONGO; Database = $database }
}

AfterAll { Remove-TestMongoDatabase $database, "$($database)_whatif" }

Describe 'Send-TowAndGoData | Sync-TowAndGoToMongo' {
    It 'uploads, syncs through the result object, and reports to CSV' {
        $csv = Join-Path $TestDrive 'sync.csv'

        Send-TowAndGoData -Json $TwoLinks -Bucket $bucket @S3 | Sync-TowAndGoToMongo @mongo @S3 | Export-Csv -Path $csv

        $row = Import-Csv -Path $csv
        $row.Job | Should -Be 'Sync-TowAndGoToMongo'
        $row.Bucket | Should -Be $bucket
        $row.Inserted | Should -Be '2'
        $row.Stale | Should -Be 'False'
    }

    It 'modifies nothing when the same snapshot runs again' {
        $result = Send-TowAndGoData -Json $TwoLinks -Bucket $bucket @S3 | Sync-TowAndGoToMongo @mongo @S3
        $result.Unchanged | Should -Be 2
        $result.Inserted + $result.Updated | Should -Be 0
    }

    It 'takes a Get-S3Object listing (BucketName, Key) from the pipeline' {
        $upload = Send-TowAndGoData -Json $TwoLinks -Bucket $bucket @S3
        # What AWS Tools' Get-S3Object writes: Amazon.S3.Model.S3Object, with BucketName rather than Bucket.
        $listing = [pscustomobject]@{ BucketName = $bucket; Key = $upload.Key; ETag = '"0"'; Size = 79L; StorageClass = 'STANDARD'; LastModified = Get-Date }

        $result = $listing | Sort-Object Key | Sync-TowAndGoToMongo @mongo @S3

        $result.Bucket | Should -Be $bucket
        $result.Key | Should -Be $upload.Key
        $result.Links | Should -Be 2
    }

    It 'takes the connection string from MONGODB_URI' {
        $env:MONGODB_URI = $env:SYNCTOOLS_TEST_MONGO
        try {
            $result = Send-TowAndGoData -Json $TwoLinks -Bucket $bucket @S3 | Sync-TowAndGoToMongo -Database $database @S3
            $result.Unchanged | Should -Be 2
        }
        finally { Remove-Item env:MONGODB_URI }
    }

    It 'stops with a categorised error for a missing object' {
        $err = { Sync-TowAndGoToMongo -Bucket $bucket -Key 'no/such.json' @mongo @S3 } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'S3ObjectNotFound,*'
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'writes nothing under -WhatIf' {
        $result = Send-TowAndGoData -Json $TwoLinks -Bucket $bucket -Key whatif.json @S3 | Sync-TowAndGoToMongo -Database "$($database)_whatif" -MongoConnectionString $env:SYNCTOOLS_TEST_MONGO -WhatIf @S3
        $result | Should -BeNullOrEmpty
    }
}
