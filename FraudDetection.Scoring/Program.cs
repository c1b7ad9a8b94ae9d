using FraudDetection.Scoring.Apis;
using FraudDetection.Scoring.Bench;
using FraudDetection.Scoring.Extensions;
using FraudDetection.Scoring.Graph.Bench;

if (ScoringBench.IsCommand(args))
{
    return await ScoringBench.RunAsync(args[1..]);
}
if (GraphBench.IsCommand(args))
{
    return await GraphBench.RunAsync(args[1..]);
}

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddScoringServices();
builder.AddGraphSink();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapScoringApi();
app.MapGraphApi();
await app.RunAsync();
return 0;
