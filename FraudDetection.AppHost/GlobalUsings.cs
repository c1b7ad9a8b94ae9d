global using Aspire.Hosting.ApplicationModel;
global using FraudDetection.AppHost.Options;
