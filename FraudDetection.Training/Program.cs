using FraudDetection.Training.Apis;
using FraudDetection.Training.Cli;
using FraudDetection.Training.Extensions;

// A command (train, backtest, ...) runs and exits; no command starts the Training host.
if (TrainingCli.IsCommand(args))
{
    return await TrainingCli.RunAsync(args);
}

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddTrainingServices();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapTrainingApi();
await app.RunAsync();
return 0;
