using FraudDetection.Scoring.Apis;
using FraudDetection.Scoring.Bench;
using FraudDetection.Scoring.Extensions;

if (ScoringBench.IsCommand(args))
{
    return await ScoringBench.RunAsync(args[1..]);
}

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddScoringServices();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapScoringApi();
await app.RunAsync();
return 0;
