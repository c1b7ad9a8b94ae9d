using System.Net;
using System.Text;
using System.Text.Json;
using FraudDetection.Graph.Extensions;
using FraudDetection.Graph.Store;
using FraudDetection.Graph.Neo4j;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace FraudDetection.Tests.Graph;

/// <summary>The Neo4j store against a fake of the HTTP Query API's documented request/response shapes.</summary>
public sealed class Neo4jQueryApiTests : IDisposable
{
    private const string Database = "frauddb";
    private const string Path = "/db/" + Database + "/query/v2";
    private readonly WireMockServer _neo4j;
    private readonly IHost _host;
    private readonly IGraphStore _store;

    public Neo4jQueryApiTests()
    {
        _neo4j = TestNetwork.StartFake();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:neo4j"] = $"Endpoint={_neo4j.Url};Username=neo4j;Password=s3cret;Database={Database}",
        });
        builder.Services.AddOptions<GraphOptions>();
        builder.AddGraphStore();
        _host = builder.Build();
        _store = _host.Services.GetRequiredService<IGraphStore>();
    }

    public void Dispose()
    {
        _host.Dispose();
        _neo4j.Stop();
        _neo4j.Dispose();
    }


    private static string Answer(string[] fields, params object?[][] rows) => JsonSerializer.Serialize(new
    {
        data = new { fields, values = rows },
        bookmarks = new[] { "FB:kcwQx6Xz" },
    });

    private void Accept(string body) => _neo4j.Given(Request.Create().WithPath(Path).UsingPost())
        .RespondWith(Response.Create().WithStatusCode(202).WithHeader("Content-Type", "application/json").WithBody(body));

    private JsonElement[] Requests() => _neo4j.LogEntries.Select(e => JsonDocument.Parse(e.RequestMessage!.Body!).RootElement).ToArray();

    [Fact]
    public void The_store_is_Neo4j_when_the_connection_string_is_set()
    {
        _store.Should().BeOfType<Neo4jGraphStore>();
    }

    [Fact]
    public async Task Write_posts_one_parameterised_UNWIND_MERGE_with_basic_auth_to_the_databases_query_endpoint()
    {
        Accept(Answer(["written"], [2]));
        var edges = GraphTestData.Edges(2).Take(2).ToList();

        await _store.WriteAsync(edges);

        var entry = _neo4j.LogEntries.Should().ContainSingle().Subject.RequestMessage!;
        entry.Path.Should().Be(Path);
        entry.Method.Should().Be("POST");
        entry.Headers!["Authorization"].Should().ContainSingle()
            .Which.Should().Be("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("neo4j:s3cret")));
        entry.Headers["Content-Type"].Single().Should().StartWith("application/json");
        var body = Requests()[0];
        body.GetProperty("statement").GetString().Should().Be(CypherStatements.MergeEdges).And.StartWith("UNWIND $rows AS row");
        var rows = body.GetProperty("parameters").GetProperty("rows");
        rows.GetArrayLength().Should().Be(2);
        rows[0].GetProperty("trans_num").GetString().Should().Be(edges[0].TransNum);
        rows[0].GetProperty("cc_num").GetInt64().Should().Be(edges[0].CcNum);
        rows[0].GetProperty("merchant").GetString().Should().Be(edges[0].Merchant);
        rows[0].GetProperty("amt").GetDouble().Should().Be(edges[0].Amt);
        rows[0].GetProperty("is_alert").ValueKind.Should().Be(edges[0].IsAlert ? JsonValueKind.True : JsonValueKind.False);
        rows[0].GetProperty("ts").GetInt64().Should().Be(edges[0].Ts);
    }

    [Fact]
    public async Task Schema_creates_every_constraint_if_not_exists()
    {
        Accept(Answer([]));

        await _store.EnsureSchemaAsync();

        Requests().Select(r => r.GetProperty("statement").GetString()).Should().Equal(CypherStatements.Schema);
        CypherStatements.Schema.Should().OnlyContain(s => s.Contains("IF NOT EXISTS"));
    }

    [Fact]
    public async Task Query_answers_are_read_by_field_name_and_cards_come_back_masked()
    {
        string[] fields = ["trans_num", "time", "cc_num", "merchant", "category", "amt", "score", "is_alert", "is_fraud", "model_version"];
        // Fields deliberately in another order than the store asked for: values are read by name.
        Accept(Answer([.. fields.Reverse()],
            ["v1", null, true, 0.93, 1812.5, "shopping_net", "fraud_Kirlin and Sons", 4263982640269299L, "2020-06-21T12:14:25", "t-1"],
            ["v1", 0, false, 0.01, 3.2, "grocery_pos", "fraud_Sporer-Keebler", 30234966027947L, "2020-06-21T12:10:00", "t-0"]));

        var latest = await _store.LatestTransactionsAsync(2);

        latest.Should().HaveCount(2);
        latest[0].Should().Be(new GraphTransaction("t-1", "2020-06-21T12:14:25", "****9299", FraudDetection.Core.Transactions.CardMask.CardId(4263982640269299L),
            "fraud_Kirlin and Sons", "shopping_net", 1812.5, 0.93, true, null, "v1"));
        latest[1].Card.Should().Be("****7947");
        latest[1].IsFraud.Should().Be(0);
        var request = Requests().Single();
        request.GetProperty("statement").GetString().Should().Be(CypherStatements.LatestTransactions);
        request.GetProperty("parameters").GetProperty("limit").GetInt32().Should().Be(2);
    }

    [Fact]
    public async Task An_error_answer_raises_its_code_and_message_and_is_not_retried()
    {
        _neo4j.Given(Request.Create().WithPath(Path).UsingPost()).RespondWith(Response.Create().WithStatusCode(400)
            .WithHeader("Content-Type", "application/json")
            .WithBody("""{"errors":[{"code":"Neo.ClientError.Statement.SyntaxError","message":"Invalid input 'MERGEE'"}]}"""));

        var act = () => _store.FraudCountsAsync();

        var error = (await act.Should().ThrowAsync<Neo4jQueryException>()).Which;
        error.Code.Should().Be("Neo.ClientError.Statement.SyntaxError");
        error.Message.Should().Contain("Invalid input 'MERGEE'");
        error.Status.Should().Be(HttpStatusCode.BadRequest);
        error.IsTransient.Should().BeFalse();
        _neo4j.LogEntries.Should().HaveCount(1, "a client error will not succeed on a second try");
    }

    [Fact]
    public async Task A_5xx_is_retried_and_the_retry_succeeds()
    {
        _neo4j.Given(Request.Create().WithPath(Path).UsingPost()).InScenario("flaky").WillSetStateTo("failed once")
            .RespondWith(Response.Create().WithStatusCode(503).WithBody("Service Unavailable"));
        _neo4j.Given(Request.Create().WithPath(Path).UsingPost()).InScenario("flaky").WhenStateIs("failed once")
            .RespondWith(Response.Create().WithStatusCode(202).WithHeader("Content-Type", "application/json")
                .WithBody(Answer(["transactions", "alerts", "labelled_fraud", "labelled_not_fraud"], [10, 3, 2, 8])));

        var counts = await _store.FraudCountsAsync();

        counts.Should().Be(new FraudCounts(10, 3, 7, 2, 8));
        _neo4j.LogEntries.Should().HaveCount(2);
        Requests().Select(r => r.GetProperty("statement").GetString()).Distinct().Should().Equal(CypherStatements.FraudCounts);
    }

    [Fact]
    public async Task A_transient_Neo4j_error_code_is_retried()
    {
        _neo4j.Given(Request.Create().WithPath(Path).UsingPost()).InScenario("deadlock").WillSetStateTo("failed once")
            .RespondWith(Response.Create().WithStatusCode(400).WithHeader("Content-Type", "application/json")
                .WithBody("""{"errors":[{"code":"Neo.TransientError.Transaction.DeadlockDetected","message":"deadlock"}]}"""));
        _neo4j.Given(Request.Create().WithPath(Path).UsingPost()).InScenario("deadlock").WhenStateIs("failed once")
            .RespondWith(Response.Create().WithStatusCode(202).WithHeader("Content-Type", "application/json").WithBody(Answer(["written"], [1])));

        await _store.WriteAsync(GraphTestData.Edges(1).Take(1).ToList());

        _neo4j.LogEntries.Should().HaveCount(2);
    }

    [Theory]
    [InlineData("Endpoint=http://neo4j:7474;Username=app;Password=n0t-in-logs;Database=fraud", "http://neo4j:7474/", "app", "fraud")]
    [InlineData("endpoint=https://db.example:7473;user=u;password=\"a;b\"", "https://db.example:7473/", "u", "neo4j")]
    [InlineData("http://neo4j:secret@localhost:7474", "http://localhost:7474/", "neo4j", "neo4j")]
    public void Connection_strings_give_endpoint_user_and_database(string connectionString, string endpoint, string user, string database)
    {
        var connection = Neo4jConnection.Parse(connectionString);

        connection.Endpoint.ToString().Should().Be(endpoint);
        connection.Username.Should().Be(user);
        connection.Database.Should().Be(database);
        connection.ToString().Should().NotContain(connection.Password is { Length: > 0 } p ? p : "\u0000");
    }

    [Fact]
    public void A_connection_string_without_endpoint_is_refused_with_a_clear_message()
    {
        var act = () => Neo4jConnection.Parse("Username=neo4j;Password=x");

        act.Should().Throw<FormatException>().WithMessage("*Endpoint*");
    }
}
