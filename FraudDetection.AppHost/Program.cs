using FraudDetection.AppHost.Hosting;

// dotnet run --project FraudDetection.AppHost [-- --containers] : the whole system, embedded by default.
return await AppHostRunner.RunAsync(args);
