global using FraudDetection.AppHost.Options;
