namespace SyncTools.Mongo;

/// <summary>The base of every error this client raises. Messages never contain a password.</summary>
public class MongoException(string message, Exception? innerException = null) : Exception(message, innerException);

/// <summary>A connection string or option that cannot be used.</summary>
public sealed class MongoConfigurationException(string message) : MongoException(message);

/// <summary>A server could not be reached, or the connection to it broke.</summary>
public class MongoConnectionException(string message, Exception? innerException = null) : MongoException(message, innerException);

/// <summary>No suitable server (e.g. the primary of the named replica set) was found within the selection timeout.</summary>
public sealed class MongoTimeoutException(string message, Exception? innerException = null) : MongoConnectionException(message, innerException);

/// <summary>The server refused the credentials, or failed to prove it knows them.</summary>
public sealed class MongoAuthenticationException(string message, Exception? innerException = null) : MongoException(message, innerException);

/// <summary>The server sent bytes that are not a valid reply.</summary>
public sealed class MongoProtocolException(string message, Exception? innerException = null) : MongoConnectionException(message, innerException);

/// <summary>A command the server answered with ok: 0.</summary>
public class MongoCommandException(string message, int code, string codeName) : MongoException(message)
{
    public int Code { get; } = code;

    public string CodeName { get; } = codeName;
}

/// <summary>A value that BSON cannot hold (a key with NUL, a document over the size limit, a cycle), or bytes that are not BSON.</summary>
public sealed class BsonSerializationException(string message, Exception? innerException = null) : MongoException(message, innerException);
