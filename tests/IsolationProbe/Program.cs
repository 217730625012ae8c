using System.Diagnostics;
using System.Reflection;
using System.Runtime.Loader;

// Usage: SyncTools.IsolationProbe <module folder> <other-first|module-first> <S3 endpoint> <MongoDB URI>
// Loads the module's cmdlet assembly into the default context as PowerShell does, sets up the engine's context as
// the module initializer does, and another AWSSDK.Core, MongoDB.Bson and MongoDB.Driver into the default context
// before or after it; runs engine calls against S3 and MongoDB each time the module is in use. Prints where each of
// those libraries came from; exit code 0 when every step worked.
if (args.Length != 4) return Fail("usage: SyncTools.IsolationProbe <module folder> <other-first|module-first> <S3 endpoint> <MongoDB URI>");
var (moduleFolder, order, endpoint, mongoUri) = (Path.GetFullPath(args[0]), args[1], args[2], args[3]);
var other = Path.Combine(AppContext.BaseDirectory, "other");
string[] shared = ["AWSSDK.Core", "MongoDB.Bson", "MongoDB.Driver", "DnsClient"];

if (order == "other-first") LoadOther(other);

// PowerShell itself is absent here, so the cmdlet types are not loaded (the contract tests check, over metadata,
// that loading them needs nothing from the engine); the module initializer's work is done directly.
var cmdlets = AssemblyLoadContext.Default.LoadFromAssemblyPath(Path.Combine(moduleFolder, "SyncTools.dll"));
cmdlets.GetType("SyncTools.PowerShell.EngineLoadContext", throwOnError: true)!.GetMethod("Install")!.Invoke(null, [moduleFolder]);
await CreateBucketThroughTheEngine(cmdlets, endpoint);
DropDatabaseThroughTheEngine(cmdlets, mongoUri);

if (order == "module-first")
{
    LoadOther(other);
    await CreateBucketThroughTheEngine(cmdlets, endpoint);
    DropDatabaseThroughTheEngine(cmdlets, mongoUri);
}

foreach (var context in AssemblyLoadContext.All)
{
    foreach (var assembly in context.Assemblies.Where(a => shared.Contains(a.GetName().Name)))
    {
        Console.WriteLine($"{assembly.GetName().Name} {FileVersion(assembly)} in {context.Name}");
    }
}

return 0;

static void LoadOther(string folder)
{
    var aws = AssemblyLoadContext.Default.LoadFromAssemblyPath(Path.Combine(folder, "AWSSDK.Core.dll"));
    foreach (var name in new[] { "DnsClient", "MongoDB.Bson", "MongoDB.Driver.Core", "MongoDB.Driver" }) AssemblyLoadContext.Default.LoadFromAssemblyPath(Path.Combine(folder, name + ".dll"));
    // Use them, as the other module would: types from them, constructed.
    var credentials = Activator.CreateInstance(aws.GetType("Amazon.Runtime.BasicAWSCredentials", throwOnError: true)!, "other", "module");
    var url = Activator.CreateInstance(Type.GetType("MongoDB.Driver.MongoUrl, MongoDB.Driver", throwOnError: true)!, "mongodb://other.invalid/module");
    var document = Type.GetType("MongoDB.Bson.BsonDocument, MongoDB.Bson", throwOnError: true)!.GetMethod("Parse", [typeof(string)])!.Invoke(null, ["{ other: 'module' }"]);
    Console.WriteLine($"other AWSSDK.Core {FileVersion(aws)} loaded: {credentials!.GetType().Name}, other MongoDB.Driver: {url}, {document}");
}

// The engine's MongoEndpoint gives its session client (MongoDB.Driver over MongoDB.Bson); drop a database through it.
static void DropDatabaseThroughTheEngine(Assembly cmdlets, string uri)
{
    var core = AssemblyLoadContext.GetLoadContext(cmdlets)!.LoadFromAssemblyName(new AssemblyName("SyncTools.Core"));
    var endpoint = Activator.CreateInstance(core.GetType("SyncTools.Core.MongoDb.MongoEndpoint", throwOnError: true)!, uri)!;
    dynamic client = endpoint.GetType().GetProperty("Client")!.GetValue(endpoint)!;
    var database = "isolation_" + Guid.NewGuid().ToString("N")[..12];
    client.DropDatabase(database, CancellationToken.None);
    Console.WriteLine($"engine call: database {database} dropped");
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
