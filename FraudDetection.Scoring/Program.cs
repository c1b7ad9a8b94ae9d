using FraudDetection.Scoring.Apis;
using FraudDetection.Scoring.Extensions;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddScoringServices();
builder.AddGraphSink();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapScoringApi();
app.MapGraphApi();
await app.RunAsync();
