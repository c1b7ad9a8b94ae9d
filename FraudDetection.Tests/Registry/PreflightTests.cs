using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using FraudDetection.Training.Preflight;
using FraudDetection.Training.Runs;
using FraudDetection.Training.Schedule;

namespace FraudDetection.Tests.Registry;

public class PreflightTests : IDisposable
{
    private readonly TempFolder _temp = new("fd-preflight");

    public void Dispose() => _temp.Dispose();

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port; // closed again when disposed: nothing listens there
    }

    [Fact]
    public async Task A_run_fails_before_training_naming_the_unreachable_broker_and_mlflow()
    {
        var kafka = $"127.0.0.1:{ClosedPort()}";
        var mlflow = $"http://127.0.0.1:{ClosedPort()}/";
        var job = new ScriptedTrainingJob().Then(0.7, 0.6);
        await using var host = await TrainingHost.StartAsync(_temp.Path, new Dictionary<string, string?>
        {
            ["ConnectionStrings:kafka"] = kafka,
            ["ConnectionStrings:mlflow"] = mlflow,
        }, job, new PrecomputedEvaluator());

        var queued = await (await host.Client.PostAsync("/api/training/runs", null)).Content.ReadFromJsonAsync<TrainingRunStatus>(TrainingHost.JsonOptions);
        var run = await host.WaitForRunAsync(queued!.Id);

        run.State.Should().Be(TrainingRunState.Failed);
        run.Stage.Should().Be("preflight");
        run.Error.Should().StartWith("Preflight failed:")
            .And.Contain($"Kafka broker: ({kafka}) unreachable")
            .And.Contain($"MLflow: ({mlflow})")
            .And.NotContain("training data", "the data files are there");
        job.Calls.Should().Be(0, "nothing is trained when the preflight fails");

        var preflight = await host.Client.GetAsync("/api/training/preflight");
        preflight.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        var body = JsonDocument.Parse(await preflight.Content.ReadAsStringAsync()).RootElement;
        body.GetProperty("checks").EnumerateArray().Where(c => !c.GetProperty("ok").GetBoolean()).Select(c => c.GetProperty("name").GetString())
            .Should().BeEquivalentTo(TrainingPreflight.BrokerCheck, TrainingPreflight.MlflowCheck);
    }

    [Fact]
    public async Task Missing_data_files_are_named()
    {
        await using var host = await TrainingHost.StartAsync(_temp.Path, new Dictionary<string, string?>
        {
            ["Training:DataFiles:0"] = "data/does-not-exist.csv.gz",
        }, new ScriptedTrainingJob(), new PrecomputedEvaluator());

        var body = JsonDocument.Parse(await (await host.Client.GetAsync("/api/training/preflight")).Content.ReadAsStringAsync()).RootElement;

        body.GetProperty("ok").GetBoolean().Should().BeFalse();
        body.GetProperty("summary").GetString().Should().Contain("training data: Training data file 'data/does-not-exist.csv.gz' was not found");
        body.GetProperty("summary").GetString().Should().NotContain("Kafka broker", "an unconfigured broker is skipped, not failed");
    }

    [Fact]
    public async Task A_reachable_setup_passes()
    {
        await using var host = await TrainingHost.StartAsync(_temp.Path, job: new ScriptedTrainingJob(), evaluator: new PrecomputedEvaluator());

        var response = await host.Client.GetAsync("/api/training/preflight");

        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_running_broker_passes_the_broker_check()
    {
        using var kafka = FraudDetection.DevKafka.Kafka.EmbeddedKafka.Start();
        await using var host = await TrainingHost.StartAsync(_temp.Path, new Dictionary<string, string?>
        {
            ["ConnectionStrings:kafka"] = kafka.BootstrapServers,
            ["Training:RequireBroker"] = "true",
        }, new ScriptedTrainingJob(), new PrecomputedEvaluator());

        var response = await host.Client.GetAsync("/api/training/preflight");
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        response.StatusCode.Should().Be(HttpStatusCode.OK, body.GetProperty("summary").GetString());
        body.GetProperty("summary").GetString().Should().Contain($"Kafka broker: ({kafka.BootstrapServers}) 1 broker(s)");
    }

    [Fact]
    public async Task A_required_broker_that_is_not_configured_is_named()
    {
        await using var host = await TrainingHost.StartAsync(_temp.Path, new Dictionary<string, string?> { ["Training:RequireBroker"] = "true" }, new ScriptedTrainingJob(), new PrecomputedEvaluator());

        var body = JsonDocument.Parse(await (await host.Client.GetAsync("/api/training/preflight")).Content.ReadAsStringAsync()).RootElement;

        body.GetProperty("summary").GetString().Should().Be("Preflight failed: Kafka broker: ConnectionStrings:kafka is not configured");
    }
}
