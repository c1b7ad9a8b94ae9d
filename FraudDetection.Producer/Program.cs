using FraudDetection.Producer.Apis;
using FraudDetection.Producer.Cli;
using FraudDetection.Producer.Extensions;

// A command (replay, synth) runs and exits; no command starts the Producer host with its control API.
if (ProducerCli.IsCommand(args))
{
    return await ProducerCli.RunAsync(args);
}

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddProducerServices();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapProducerApi();
await app.RunAsync();
return 0;
