using FraudDetection.Scoring.Apis;
using FraudDetection.Scoring.Extensions;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddScoringServices();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapScoringApi();
await app.RunAsync();
