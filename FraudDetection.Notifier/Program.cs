using FraudDetection.Notifier.Apis;
using FraudDetection.Notifier.Extensions;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddNotifierServices();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapNotifierApi();
app.Run();
