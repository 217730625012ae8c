using SyncTools.Mongo.Bson;
using SyncTools.Mongo.Wire;

namespace SyncTools.Mongo.Authentication;

/// <summary>Runs the SASL exchange (saslStart, saslContinue) for SCRAM over a freshly opened connection.</summary>
internal static class Authenticator
{
    private const int AuthenticationFailed = 18;

    public static async Task AuthenticateAsync(MongoConnection connection, MongoUrl url, CancellationToken cancellationToken)
    {
        if (url.Username is null) return;
        var mechanism = ChooseMechanism(url, connection.Hello);
        var name = ScramConversation.MechanismName(mechanism);
        var who = $"user '{url.Username}' on database '{url.AuthSource}' ({name}) at {connection.Address}";
        var conversation = new ScramConversation(mechanism, url.Username, url.Password ?? "");
        try
        {
            var reply = await connection.RunCommandAsync(new BsonDocument
            {
                { "saslStart", 1 },
                { "mechanism", name },
                { "payload", new BsonBinaryData(conversation.ClientFirstMessage()) },
                { "options", new BsonDocument("skipEmptyExchange", true) },
                { "$db", url.AuthSource },
            }, cancellationToken).ConfigureAwait(false);
            var serverFirst = Payload(reply);
            if (serverFirst.Length == 0)
            {
                throw new MongoAuthenticationException(
                    $"The server ended the SCRAM exchange for {who} at once, without proving that it knows the password: refusing it. (Test servers that fake authentication do this.)");
            }

            reply = await Continue(connection, url, reply, conversation.ClientFinalMessage(serverFirst), cancellationToken).ConfigureAwait(false);
            conversation.VerifyServerFinalMessage(Payload(reply));
            while (!reply.GetValue("done", false).AsBoolean)
            {
                reply = await Continue(connection, url, reply, [], cancellationToken).ConfigureAwait(false);
            }
        }
        catch (MongoCommandException e) when (e.Code == AuthenticationFailed)
        {
            throw new MongoAuthenticationException($"Authentication failed for {who}: check the user name, the password and authSource.", e);
        }
        catch (MongoAuthenticationException e) when (!e.Message.Contains(url.Username, StringComparison.Ordinal))
        {
            throw new MongoAuthenticationException($"Authentication failed for {who}: {e.Message}", e);
        }
    }

    private static ScramMechanism ChooseMechanism(MongoUrl url, Hello hello) => url.AuthMechanism switch
    {
        "SCRAM-SHA-1" => ScramMechanism.Sha1,
        "SCRAM-SHA-256" => ScramMechanism.Sha256,
        // The auth spec: prefer SHA-256 when the server lists it, or lists nothing and is 4.0 (wire 7) or later.
        _ => hello.SaslSupportedMechs is { } offered
            ? offered.Contains("SCRAM-SHA-256") ? ScramMechanism.Sha256 : ScramMechanism.Sha1
            : hello.MaxWireVersion >= 7 ? ScramMechanism.Sha256 : ScramMechanism.Sha1,
    };

    private static Task<BsonDocument> Continue(MongoConnection connection, MongoUrl url, BsonDocument previous, byte[] payload, CancellationToken cancellationToken) =>
        connection.RunCommandAsync(new BsonDocument
        {
            { "saslContinue", 1 },
            { "conversationId", previous.GetValue("conversationId", 1) },
            { "payload", new BsonBinaryData(payload) },
            { "$db", url.AuthSource },
        }, cancellationToken);

    private static byte[] Payload(BsonDocument reply) => reply.GetValue("payload", BsonNull.Value) switch
    {
        BsonBinaryData binary => binary.Bytes,
        BsonString text => System.Text.Encoding.UTF8.GetBytes(text.Value),
        _ => [],
    };
}
