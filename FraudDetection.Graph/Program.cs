using FraudDetection.Graph.Apis;
using FraudDetection.Graph.Bench;
using FraudDetection.Graph.Extensions;

if (GraphBench.IsCommand(args))
{
    return await GraphBench.RunAsync(args[1..]);
}

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddGraphSink();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapGraphApi();
await app.RunAsync();
return 0;
