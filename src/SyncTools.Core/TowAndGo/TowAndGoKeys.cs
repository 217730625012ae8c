using System.Text;
using System.Text.RegularExpressions;
using SyncTools.Core.Jobs;

namespace SyncTools.Core.TowAndGo;

/// <summary>Names of buckets and object keys for snapshots.</summary>
public static partial class TowAndGoKeys
{
    /// <summary>
    /// The key a snapshot is stored under when none is given:
    /// <c>tow-and-go/yyyy/MM/dd/tow-and-go-{last_modified}.json</c> (UTC date), with <c>.gz</c> appended when compressed.
    /// </summary>
    public static string Default(TowAndGoSnapshot snapshot, bool compressed)
    {
        var t = snapshot.SnapshotTime.UtcDateTime;
        return $"tow-and-go/{t:yyyy}/{t:MM}/{t:dd}/tow-and-go-{snapshot.LastModified}.json" + (compressed ? ".gz" : "");
    }

    /// <summary>Refuses a bucket name S3 would refuse, before any request is made.</summary>
    public static void ValidateBucket(string bucket)
    {
        if (!BucketName().IsMatch(bucket) || bucket.Contains("..", StringComparison.Ordinal))
        {
            throw new SyncToolsException(
                $"'{bucket}' is not a valid S3 bucket name: use 3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit.",
                JobErrorCategory.InvalidArgument, "S3BucketNameInvalid", bucket);
        }
    }

    /// <summary>Refuses an object key S3 would refuse: empty, or over 1,024 bytes of UTF-8.</summary>
    public static void ValidateKey(string key)
    {
        if (key.Length == 0 || Encoding.UTF8.GetByteCount(key) > 1024)
        {
            throw new SyncToolsException(
                $"The S3 key '{key}' is not valid: a key is 1 to 1,024 bytes of UTF-8.",
                JobErrorCategory.InvalidArgument, "S3KeyInvalid", key);
        }
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]
    private static partial Regex BucketName();
}
