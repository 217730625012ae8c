using System.Diagnostics;
using System.Reflection;
using System.Runtime.Loader;

// Usage: SyncTools.IsolationProbe <module folder> <other-first|module-first> <S3 endpoint>
// Loads the module's cmdlet assembly into the default context as PowerShell does, sets up the engine's context as
// the module initializer does, and another AWSSDK.Core into the default context before or after it; runs an engine
// call against S3 each time the module is in use. Prints where each AWSSDK.Core came from; exit code 0 when every
// step worked.
if (args.Length != 3) return Fail("usage: SyncTools.IsolationProbe <module folder> <other-first|module-first> <S3 endpoint>");
var (moduleFolder, order, endpoint) = (Path.GetFullPath(args[0]), args[1], args[2]);
var other = Path.Combine(AppContext.BaseDirectory, "other", "AWSSDK.Core.dll");

if (order == "other-first") LoadOther(other);

// PowerShell itself is absent here, so the cmdlet types are not loaded (the contract tests check, over metadata,
// that loading them needs nothing from the engine); the module initializer's work is done directly.
var cmdlets = AssemblyLoadContext.Default.LoadFromAssemblyPath(Path.Combine(moduleFolder, "SyncTools.dll"));
cmdlets.GetType("SyncTools.PowerShell.EngineLoadContext", throwOnError: true)!.GetMethod("Install")!.Invoke(null, [moduleFolder]);
await CreateBucketThroughTheEngine(cmdlets, endpoint);

if (order == "module-first")
{
    LoadOther(other);
    await CreateBucketThroughTheEngine(cmdlets, endpoint);
}

foreach (var context in AssemblyLoadContext.All)
{
    foreach (var assembly in context.Assemblies.Where(a => a.GetName().Name == "AWSSDK.Core"))
    {
        Console.WriteLine($"AWSSDK.Core {FileVersion(assembly)} in {context.Name}");
    }
}

return 0;

static void LoadOther(string path)
{
    var assembly = AssemblyLoadContext.Default.LoadFromAssemblyPath(path);
    // Use it, as the other module would: a type from it, constructed.
    var credentials = Activator.CreateInstance(assembly.GetType("Amazon.Runtime.BasicAWSCredentials", throwOnError: true)!, "other", "module");
    Console.WriteLine($"other AWSSDK.Core {FileVersion(assembly)} loaded: {credentials!.GetType().Name}");
}

// The engine's S3Connection builds a client (AWSSDK.S3 over AWSSDK.Core); create a bucket and list it back.
static async Task CreateBucketThroughTheEngine(Assembly cmdlets, string endpoint)
{
    var core = AssemblyLoadContext.GetLoadContext(cmdlets)!.LoadFromAssemblyName(new AssemblyName("SyncTools.Core"));
    var connectionType = core.GetType("SyncTools.Core.S3.S3Connection", throwOnError: true)!;
    var connection = Activator.CreateInstance(connectionType)!;
    connectionType.GetProperty("EndpointUrl")!.SetValue(connection, endpoint);
    connectionType.GetProperty("AccessKey")!.SetValue(connection, "S3RVER");
    connectionType.GetProperty("SecretKey")!.SetValue(connection, "S3RVER");
    dynamic client = connectionType.GetMethod("CreateClient")!.Invoke(connection, null)!;
    var bucket = "isolation-" + Guid.NewGuid().ToString("N")[..12];
    await client.PutBucketAsync(bucket, CancellationToken.None);
    var listing = await client.ListBucketsAsync(CancellationToken.None);
    var found = false;
    foreach (var b in listing.Buckets) found |= b.BucketName == bucket;
    if (!found) throw new InvalidOperationException($"bucket {bucket} was created but is not listed");
    Console.WriteLine($"engine call: bucket {bucket} created and listed");
}

static string FileVersion(Assembly assembly) => FileVersionInfo.GetVersionInfo(assembly.Location).FileVersion ?? "?";

static int Fail(string message)
{
    Console.Error.WriteLine(message);
    return 2;
}
