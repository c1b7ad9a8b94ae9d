namespace FraudDetection.AppHost.Hosting;

/// <summary>A setting the user can fix: reported as one line, exit code 1.</summary>
public sealed class AppHostConfigurationException(string message, Exception? inner = null) : Exception(message, inner);
