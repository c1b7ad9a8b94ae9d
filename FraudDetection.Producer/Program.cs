using FraudDetection.Producer.Apis;
using FraudDetection.Producer.Extensions;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddProducerServices();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapProducerApi();
app.Run();
