using System.Management.Automation;
using SyncTools.Core.S3;

namespace SyncTools.PowerShell;

/// <summary>The S3 parameters of the cmdlets that read or write S3, following the AWS Tools for PowerShell conventions.</summary>
public abstract class S3CmdletBase : SyncToolsCmdlet
{
    /// <summary>An S3-compatible endpoint; default AWS_ENDPOINT_URL_S3, then AWS_ENDPOINT_URL, then AWS S3. An endpoint given here (other than the environment's) needs -Credential or -ProfileName: the AWS credential chain's keys are not sent to it.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? EndpointUrl { get; set; }

    /// <summary>The AWS region; default the AWS SDK's ($env:AWS_REGION, then the shared config file). With -EndpointUrl, the region requests are signed for; default us-east-1.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Region { get; set; }

    /// <summary>A profile in the shared AWS credentials file whose keys to use (not its region: give -Region); default the AWS credential chain, which reads $env:AWS_PROFILE.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ProfileName { get; set; }

    /// <summary>Access key id as the user name, secret access key as the password; default: the AWS credential chain (for AWS S3 or the environment's endpoint only).</summary>
    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    protected S3Connection S3Connection => new()
    {
        EndpointUrl = EndpointUrl,
        Region = Region,
        ProfileName = ProfileName,
        AccessKey = Credential?.UserName,
        SecretKey = PasswordOf(Credential),
    };
}
