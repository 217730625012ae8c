using Amazon.S3;
using Amazon.S3.Model;
using SyncTools.Core.S3;

namespace SyncTools.Core.Tests.Support;

/// <summary>A fresh bucket on the test S3 server, and a client to look inside it.</summary>
public sealed class S3TestBucket : IAsyncLifetime
{
    public S3Connection Connection { get; } = new()
    {
        EndpointUrl = TestServices.S3Endpoint,
        AccessKey = TestServices.S3AccessKey,
        SecretKey = TestServices.S3SecretKey,
    };

    public string Name { get; } = TestServices.UniqueName("tow");

    public IAmazonS3 Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Client = Connection.CreateClient();
        await Client.PutBucketAsync(Name);
    }

    public Task DisposeAsync()
    {
        Client.Dispose();
        return Task.CompletedTask;
    }

    public async Task<(byte[] Bytes, GetObjectResponse Response)> ReadAsync(string key)
    {
        using var response = await Client.GetObjectAsync(Name, key);
        using var buffer = new MemoryStream();
        await response.ResponseStream.CopyToAsync(buffer);
        return (buffer.ToArray(), response);
    }

    public async Task<List<string>> KeysAsync() =>
        (await Client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = Name })).S3Objects?.Select(o => o.Key).ToList() ?? [];
}
