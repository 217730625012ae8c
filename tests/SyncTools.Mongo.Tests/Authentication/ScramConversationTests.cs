using System.Text;
using SyncTools.Mongo.Authentication;

namespace SyncTools.Mongo.Tests.Authentication;

public class ScramConversationTests
{
    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);

    /// <summary>Runs a whole exchange and checks every message against a published vector.</summary>
    private static void Exchange(ScramConversation scram, string clientFirst, string serverFirst, string clientFinal, string serverFinal)
    {
        Assert.Equal(clientFirst, Text(scram.ClientFirstMessage()));
        Assert.Equal(clientFinal, Text(scram.ClientFinalMessage(Utf8(serverFirst))));
        Assert.False(scram.IsComplete);
        scram.VerifyServerFinalMessage(Utf8(serverFinal));
        Assert.True(scram.IsComplete);
    }

    [Fact]
    public void RFC_5802_SCRAM_SHA_1_example()
    {
        Exchange(
            ScramConversation.WithPreparedPassword(ScramMechanism.Sha1, "user", "pencil", "fyko+d2lbbFgONRv9qkxdawL"),
            "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL",
            "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
            "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
            "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=");
    }

    [Fact]
    public void RFC_7677_SCRAM_SHA_256_example_through_SASLprep()
    {
        Exchange(
            new ScramConversation(ScramMechanism.Sha256, "user", "pencil", "rOprNGfwEbeRWgbNEkqO"),
            "n,,n=user,r=rOprNGfwEbeRWgbNEkqO",
            "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
            "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
    }

    [Fact]
    public void MongoDB_authentication_spec_SCRAM_SHA_1_example_with_the_password_digest()
    {
        Exchange(
            new ScramConversation(ScramMechanism.Sha1, "user", "pencil", "fyko+d2lbbFgONRv9qkxdawL"),
            "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL",
            "r=fyko+d2lbbFgONRv9qkxdawLHo+Vgk7qvUOKUwuWLIWg4l/9SraGMHEE,s=rQ9ZY3MntBeuP3E1TDVC4w==,i=10000",
            "c=biws,r=fyko+d2lbbFgONRv9qkxdawLHo+Vgk7qvUOKUwuWLIWg4l/9SraGMHEE,p=MC2T8BvbmWRckDw8oWl5IVghwCY=",
            "v=UMWeI25JD1yNYZRMpZ4VHvhZ9e0=");
    }

    [Fact]
    public void User_names_escape_equals_and_comma()
    {
        var scram = new ScramConversation(ScramMechanism.Sha256, "a=b,c", "pw", "nonce");
        Assert.Equal("n,,n=a=3Db=2Cc,r=nonce", Text(scram.ClientFirstMessage()));
    }

    public static TheoryData<string, string, string> ServerMisbehaviour => new()
    {
        { "r=other-nonce,s=QSXCR+Q6sek8bf92,i=4096", "v=x", "The server's SCRAM nonce does not extend the client's nonce." },
        { "r=fyko+d2lbbFgONRv9qkxdawL,s=QSXCR+Q6sek8bf92,i=4096", "v=x", "The server's SCRAM nonce does not extend the client's nonce." },
        { "r=fyko+d2lbbFgONRv9qkxdawLabc,s=QSXCR+Q6sek8bf92,i=1000", "v=x", "The server's SCRAM iteration count 1000 is below the minimum of 4096." },
        { "r=fyko+d2lbbFgONRv9qkxdawLabc,s=%%%,i=4096", "v=x", "The server's SCRAM salt is not base64." },
        { "", "v=x", "The server's first SCRAM message lacks its nonce, salt or iteration count." },
        { "e=unknown-user", "v=x", "The server refused SCRAM authentication: unknown-user." },
        { "r=fyko+d2lbbFgONRv9qkxdawLabc,s=QSXCR+Q6sek8bf92,i=4096", "e=invalid-proof", "The server refused SCRAM authentication: invalid-proof." },
        { "r=fyko+d2lbbFgONRv9qkxdawLabc,s=QSXCR+Q6sek8bf92,i=4096", "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=", "The server's SCRAM-SHA-1 signature is missing or wrong" },
        { "r=fyko+d2lbbFgONRv9qkxdawLabc,s=QSXCR+Q6sek8bf92,i=4096", "", "The server's SCRAM-SHA-1 signature is missing or wrong" },
    };

    [Theory]
    [MemberData(nameof(ServerMisbehaviour))]
    public void A_server_that_cannot_prove_itself_is_refused_without_showing_the_password(string serverFirst, string serverFinal, string message)
    {
        var scram = new ScramConversation(ScramMechanism.Sha1, "user", "pencil-secret", "fyko+d2lbbFgONRv9qkxdawL");
        scram.ClientFirstMessage();

        var error = Assert.Throws<MongoAuthenticationException>(() =>
        {
            scram.ClientFinalMessage(Utf8(serverFirst));
            scram.VerifyServerFinalMessage(Utf8(serverFinal));
        });

        Assert.StartsWith(message, error.Message);
        Assert.DoesNotContain("pencil-secret", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("pencil-secret", scram.ToString(), StringComparison.Ordinal);
        Assert.False(scram.IsComplete);
    }
}
