// The AppHost grows with the services (issue 7): for now a host that starts, serves health, and does nothing else.
var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();

var app = builder.Build();
app.MapDefaultEndpoints();
app.Run();
