using FraudDetection.AppHost.Hosting;

namespace Aspire.Hosting;

/// <summary>How the app host starts the projects it runs.</summary>
public static class BuiltExecutableBuilderExtensions
{
    /// <summary>
    /// Starts the project's built program itself. Aspire's default, <c>dotnet run --no-build</c>, runs the same program
    /// under a launcher that waits beside it for as long as it runs (~140 MB resident each). Kept as it is for an IDE's
    /// debug session and for <c>dotnet watch</c>, which launch projects their own way, and when the program is not where
    /// the build puts it by default.
    /// </summary>
    public static IResourceBuilder<T> WithBuiltExecutable<T>(this IResourceBuilder<T> builder) where T : ProjectResource
    {
        var configuration = builder.ApplicationBuilder.Configuration;
        if (!string.IsNullOrEmpty(configuration["DEBUG_SESSION_PORT"]) || IsSet(configuration["DOTNET_WATCH"]))
        {
            return builder;
        }
        var project = builder.Resource.GetProjectMetadata().ProjectPath;
        if (BuiltExecutable.Find(project) is not { } executable)
        {
            return builder;
        }
        builder.WithAnnotation(new ExecutableAnnotation { Command = executable, WorkingDirectory = Path.GetDirectoryName(project)! },
            ResourceAnnotationMutationBehavior.Replace);
        return BuiltExecutable.DotnetRoot() is { } root ? builder.WithEnvironment("DOTNET_ROOT", root) : builder;
    }

    // dotnet watch sets DOTNET_WATCH=1.
    private static bool IsSet(string? flag) => flag == "1" || (bool.TryParse(flag, out var set) && set);
}
