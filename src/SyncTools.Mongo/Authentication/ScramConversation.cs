using System.Security.Cryptography;
using System.Text;

namespace SyncTools.Mongo.Authentication;

public enum ScramMechanism
{
    Sha1,
    Sha256,
}

/// <summary>
/// The client side of one SCRAM exchange (RFC 5802; RFC 7677 for SHA-256) as MongoDB runs it: SCRAM-SHA-1 uses
/// MongoDB's password digest, SCRAM-SHA-256 the SASLprep'd password. Nothing here ever shows the password.
/// </summary>
internal sealed class ScramConversation
{
    private const int MinimumIterations = 4096;
    private readonly ScramMechanism _mechanism;
    private readonly string _username;
    private readonly string _password;
    private readonly string _clientNonce;
    private string? _clientFirstBare;
    private byte[]? _expectedServerSignature;

    public ScramConversation(ScramMechanism mechanism, string username, string password, string? clientNonce = null)
        : this(mechanism, username, new PreparedPassword(PreparePassword(mechanism, username, password)), clientNonce)
    {
    }

    private ScramConversation(ScramMechanism mechanism, string username, PreparedPassword password, string? clientNonce)
    {
        _mechanism = mechanism;
        _username = mechanism == ScramMechanism.Sha256 ? SaslPrep.Prepare(username) : username;
        _password = password.Value;
        _clientNonce = clientNonce ?? Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));
    }

    /// <summary>A password ready for the key derivation: MongoDB's digest (SHA-1) or SASLprep'd (SHA-256).</summary>
    private readonly record struct PreparedPassword(string Value)
    {
        public override string ToString() => "*****";
    }

    /// <summary>True once the server proved it knows the password.</summary>
    public bool IsComplete { get; private set; }

    public static string MechanismName(ScramMechanism mechanism) => mechanism == ScramMechanism.Sha1 ? "SCRAM-SHA-1" : "SCRAM-SHA-256";

    /// <summary>For the RFC test vectors, which use a plain password: no MongoDB digest, no SASLprep.</summary>
    internal static ScramConversation WithPreparedPassword(ScramMechanism mechanism, string username, string password, string clientNonce) =>
        new(mechanism, username, new PreparedPassword(password), clientNonce);

    public byte[] ClientFirstMessage()
    {
        _clientFirstBare = $"n={Escape(_username)},r={_clientNonce}";
        return Encoding.UTF8.GetBytes("n,," + _clientFirstBare);
    }

    public byte[] ClientFinalMessage(byte[] serverFirstMessage)
    {
        if (_clientFirstBare is null) throw new InvalidOperationException("Send the client-first message first.");
        var serverFirst = Encoding.UTF8.GetString(serverFirstMessage);
        var fields = Parse(serverFirst);
        if (fields.TryGetValue('e', out var serverError)) throw Fail($"The server refused SCRAM authentication: {serverError}.");
        if (!fields.TryGetValue('r', out var nonce) || !fields.TryGetValue('s', out var saltText) || !fields.TryGetValue('i', out var iterationText))
        {
            throw Fail("The server's first SCRAM message lacks its nonce, salt or iteration count.");
        }

        if (!nonce.StartsWith(_clientNonce, StringComparison.Ordinal) || nonce.Length == _clientNonce.Length)
        {
            throw Fail("The server's SCRAM nonce does not extend the client's nonce.");
        }

        if (!int.TryParse(iterationText, out var iterations) || iterations < MinimumIterations)
        {
            throw Fail($"The server's SCRAM iteration count {iterationText} is below the minimum of {MinimumIterations}.");
        }

        byte[] salt;
        try { salt = Convert.FromBase64String(saltText); }
        catch (FormatException e) { throw Fail("The server's SCRAM salt is not base64.", e); }

        var hash = _mechanism == ScramMechanism.Sha1 ? HashAlgorithmName.SHA1 : HashAlgorithmName.SHA256;
        var saltedPassword = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(_password), salt, iterations, hash, HashLength);
        var clientKey = Hmac(saltedPassword, "Client Key");
        var storedKey = _mechanism == ScramMechanism.Sha1 ? SHA1.HashData(clientKey) : SHA256.HashData(clientKey);
        var withoutProof = $"c=biws,r={nonce}";
        var authMessage = $"{_clientFirstBare},{serverFirst},{withoutProof}";
        var clientSignature = Hmac(storedKey, authMessage);
        var proof = new byte[clientKey.Length];
        for (var i = 0; i < proof.Length; i++) proof[i] = (byte)(clientKey[i] ^ clientSignature[i]);
        _expectedServerSignature = Hmac(Hmac(saltedPassword, "Server Key"), authMessage);
        return Encoding.UTF8.GetBytes($"{withoutProof},p={Convert.ToBase64String(proof)}");
    }

    public void VerifyServerFinalMessage(byte[] serverFinalMessage)
    {
        if (_expectedServerSignature is null) throw new InvalidOperationException("Send the client-final message first.");
        var fields = Parse(Encoding.UTF8.GetString(serverFinalMessage));
        if (fields.TryGetValue('e', out var serverError)) throw Fail($"The server refused SCRAM authentication: {serverError}.");
        byte[] signature;
        try { signature = fields.TryGetValue('v', out var v) ? Convert.FromBase64String(v) : []; }
        catch (FormatException) { signature = []; }

        if (!CryptographicOperations.FixedTimeEquals(signature, _expectedServerSignature))
        {
            throw Fail($"The server's {MechanismName(_mechanism)} signature is missing or wrong: it does not know this user's password, or is not the server it claims to be.");
        }

        IsComplete = true;
    }

    private int HashLength => _mechanism == ScramMechanism.Sha1 ? 20 : 32;

    private byte[] Hmac(byte[] key, string message) => _mechanism == ScramMechanism.Sha1
        ? HMACSHA1.HashData(key, Encoding.UTF8.GetBytes(message))
        : HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(message));

    private static string PreparePassword(ScramMechanism mechanism, string username, string password)
    {
        if (mechanism == ScramMechanism.Sha256)
        {
            try { return SaslPrep.Prepare(password); }
            catch (ArgumentException e) { throw Fail($"The password cannot be used with SCRAM-SHA-256: {e.Message}", e); }
        }

        // MongoDB's SCRAM-SHA-1 uses hex(MD5(user ":mongo:" password)) as the password.
        return Convert.ToHexString(MD5.HashData(Encoding.UTF8.GetBytes($"{username}:mongo:{password}"))).ToLowerInvariant();
    }

    private static string Escape(string username) => username.Replace("=", "=3D", StringComparison.Ordinal).Replace(",", "=2C", StringComparison.Ordinal);

    private static Dictionary<char, string> Parse(string message)
    {
        var fields = new Dictionary<char, string>();
        foreach (var part in message.Split(','))
        {
            if (part.Length >= 2 && part[1] == '=') fields.TryAdd(part[0], part[2..]);
        }

        return fields;
    }

    private static MongoAuthenticationException Fail(string message, Exception? inner = null) => new(message, inner);
}
