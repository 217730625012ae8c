BeforeAll {
    . (Join-Path $PSScriptRoot 'TestModule.ps1')
    $bucket = New-TestBucket
    $snapshot = Join-Path $TestDrive 'snapshot.json'
    Set-Content -Path $snapshot -Value '{"last_modified": 1684216515, "tow_and_go": [{"link_id": 17806054, "segment_id": 457160414}, {"link_id": 17857682, "segment_id": 414984019}, {"link_id": 17857686, "segment_id": null}]}'
}

Describe 'Send-TowAndGoData' {
    It 'uploads a file and its result exports to CSV as flat columns' {
        $csv = Join-Path $TestDrive 'upload.csv'

        Send-TowAndGoData -Path $snapshot -Bucket $bucket @S3 | Export-Csv -Path $csv

        $row = Import-Csv -Path $csv
        $row.Job | Should -Be 'Send-TowAndGoData'
        $row.Bucket | Should -Be $bucket
        $row.Key | Should -Be 'tow-and-go/2023/05/16/tow-and-go-1684216515.json'
        $row.LinkCount | Should -Be '3'
        $row.NullSegmentCount | Should -Be '1'
        $row.RunId | Should -Match '^[0-9a-f-]{36}$'
    }

    It 'takes text from Get-Content -Raw and objects from ConvertFrom-Json on the pipeline' {
        $fromText = Get-Content -Raw $snapshot | Send-TowAndGoData -Bucket $bucket -Key text.json @S3
        $fromObject = Get-Content -Raw $snapshot | ConvertFrom-Json | Send-TowAndGoData -Bucket $bucket -Key object.json @S3

        $fromText.LinkCount | Should -Be 3
        $fromObject.LinkCount | Should -Be 3
        $fromObject.NullSegmentCount | Should -Be 1
    }

    It 'takes files from Get-ChildItem' {
        $result = Get-ChildItem $snapshot | Send-TowAndGoData -Bucket $bucket -Key files.json -Compress @S3
        $result.Compressed | Should -BeTrue
    }

    It 'writes nothing and returns nothing under -WhatIf' {
        $result = Send-TowAndGoData -Path $snapshot -Bucket $bucket -Key whatif.json -WhatIf @S3
        $result | Should -BeNullOrEmpty
        { Send-TowAndGoData -Path $snapshot -Bucket $bucket -Key whatif.json @S3 -WhatIf } | Should -Not -Throw
    }

    It 'stops with a categorised error naming the problem for an invalid snapshot' {
        $err = { Send-TowAndGoData -Json '{"last_modified": 1, "tow_and_go": [{"link_id": -1, "segment_id": null}]}' -Bucket $bucket @S3 } |
            Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'SnapshotInvalid,*'
        $err.CategoryInfo.Category | Should -Be 'InvalidData'
        $err.Exception.Message | Should -BeLike '*tow_and_go`[0`].link_id must be a positive integer*'
    }

    It 'shows the table view by default' {
        $text = Send-TowAndGoData -Path $snapshot -Bucket $bucket -Key view.json @S3 | Out-String
        $text | Should -Match 'Bucket +Key +Links +Nulls +Bytes +Duration'
    }
}
