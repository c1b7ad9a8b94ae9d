using FraudDetection.DevKafka.Extensions;

// The development Kafka broker: librdkafka's mock cluster on a fixed address, every topic of the system created.
var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddDevKafka();

var app = builder.Build();
app.MapDefaultEndpoints();
app.Run();
