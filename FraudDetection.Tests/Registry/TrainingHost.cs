using FraudDetection.Training.Apis;
using FraudDetection.Training.Extensions;
using FraudDetection.Training.Pipeline;
using FraudDetection.Training.Promotion;
using FraudDetection.Training.Runs;
using FraudDetection.Training.Schedule;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FraudDetection.Tests.Registry;

/// <summary>The Training host as the AppHost builds it (AddTrainingServices + MapTrainingApi) on 127.0.0.1 and a free port.</summary>
internal sealed class TrainingHost : IAsyncDisposable
{
    private TrainingHost(WebApplication app, HttpClient client, string dataDirectory)
    {
        App = app;
        Client = client;
        DataDirectory = dataDirectory;
    }

    public WebApplication App { get; }

    public HttpClient Client { get; }

    public string DataDirectory { get; }

    public Uri BaseAddress => Client.BaseAddress!;

    public static async Task<TrainingHost> StartAsync(string dataDirectory, IDictionary<string, string?>? settings = null, ITrainingJob? job = null, IModelEvaluator? evaluator = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development", ContentRootPath = dataDirectory });
        builder.ListenOnLoopback();
        builder.Logging.ClearProviders();
        var trainingFile = Path.Combine(dataDirectory, "labelled.csv");
        File.WriteAllText(trainingFile, "trans_date_trans_time,cc_num\n");
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["FraudDetection:DataDirectory"] = Path.Combine(dataDirectory, "data"),
            ["Training:DataFiles:0"] = trainingFile,
            ["Training:TrainStarterModel"] = "false",
            ["Training:ScheduleEnabled"] = "false",
            ["Training:PreflightTimeout"] = "00:00:02",
        });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        if (job is not null)
        {
            builder.Services.AddSingleton(job);
        }

        if (evaluator is not null)
        {
            builder.Services.AddSingleton(evaluator);
        }

        builder.AddTrainingServices();
        var app = builder.Build();
        app.MapTrainingApi();
        await app.StartAsync();
        return new TrainingHost(app, new HttpClient { BaseAddress = app.BaseAddress() }, dataDirectory);
    }

    /// <summary>Polls <c>GET /api/training/runs</c> until the host has queued a run by itself (e.g. the starter run), or the timeout.</summary>
    public async Task<List<TrainingRunStatus>> WaitForQueuedRunsAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        List<TrainingRunStatus> runs;
        while ((runs = (await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<List<TrainingRunStatus>>(Client, "/api/training/runs", JsonOptions))!).Count == 0
            && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        return runs;
    }

    /// <summary>Polls <c>GET /api/training/runs/{id}</c> until the run has finished.</summary>
    public async Task<TrainingRunStatus> WaitForRunAsync(string id, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var status = await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<TrainingRunStatus>(Client, $"/api/training/runs/{id}", JsonOptions);
            if (status!.State is TrainingRunState.Succeeded or TrainingRunState.Failed)
            {
                return status;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"run {id} still {status.State} at stage {status.Stage}");
            }

            await Task.Delay(50);
        }
    }

    public static readonly System.Text.Json.JsonSerializerOptions JsonOptions = new(System.Text.Json.JsonSerializerDefaults.Web);

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
