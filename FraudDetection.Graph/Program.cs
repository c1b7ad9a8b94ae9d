using FraudDetection.Graph.Apis;
using FraudDetection.Graph.Extensions;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddGraphSink();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapGraphApi();
await app.RunAsync();
