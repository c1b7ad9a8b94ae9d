using FraudDetection.Benchmarks.Cli;

// dotnet run -c Release --project FraudDetection.Benchmarks -- scoring|graph|producer|features|model|micro [options]
return await BenchmarkCli.RunAsync(args);
