@{
    RootModule           = 'SyncTools.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '5f0c7a8e-3b1d-4c6e-9a2f-7d4e8b1c2a90'
    Author               = 'SyncTools contributors'
    CompanyName          = 'SyncTools'
    Copyright            = '(c) 2026 SyncTools contributors. MIT licence (LICENSE in the module folder).'
    Description          = 'Data-synchronisation jobs between AWS S3, MongoDB, MySQL/MariaDB and PostgreSQL, as cmdlets that emit typed results for pipelines and Export-Csv.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('SyncTools.format.ps1xml')
    CmdletsToExport      = @(
        'Send-TowAndGoData'
        'Sync-TowAndGoToMongo'
        'Invoke-OrgSync'
        'Update-ClusterId'
        'Start-FullSync'
        'Start-ChangeSync'
        'Get-SyncStatus'
        'Remove-SyncStatus'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('sync', 'etl', 'S3', 'MongoDB', 'MySQL', 'MariaDB', 'PostgreSQL', 'replication', 'PSEdition_Core', 'Linux', 'Windows', 'MacOS')
            ReleaseNotes = 'Send-TowAndGoData, Sync-TowAndGoToMongo, Invoke-OrgSync, Update-ClusterId, Start-FullSync, Start-ChangeSync (new: change data capture from a pgoutput slot), Get-SyncStatus, Remove-SyncStatus (new: retire a target from the run journal). Where a cmdlet reaches two kinds of server its database parameters say which: -MongoDatabase (Sync-TowAndGoToMongo, Start-FullSync) and -MySqlDatabase (Update-ClusterId); -Database stays as their alias, so no script breaks. -Bucket also binds as BucketName (AWS Tools). The engine (MongoDB.Driver, MySqlConnector, Npgsql, AWS SDK) loads in an isolated AssemblyLoadContext beside other modules. MIT licence.'
        }
    }
}
