namespace FraudDetection.AppHost.Hosting;

/// <summary>A configuration problem the user can fix; printed as one line, exit code 1, no stack trace.</summary>
public sealed class AppHostConfigurationException(string message, Exception? inner = null) : Exception(message, inner);
