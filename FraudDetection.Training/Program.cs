using FraudDetection.Training.Apis;
using FraudDetection.Training.Extensions;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddTrainingServices();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapTrainingApi();
app.Run();
