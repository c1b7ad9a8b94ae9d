using FraudDetection.Web.Apis;
using FraudDetection.Web.Extensions;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddWebServices();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapOverviewPage();
app.MapOverviewApi();
app.MapAlertPages();
app.MapAlertsApi();
app.Run();
