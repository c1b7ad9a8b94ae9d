using FraudDetection.Core.Messaging;
using FraudDetection.Core.Registry;
using FraudDetection.Training.Drift;
using FraudDetection.Training.Health;
using FraudDetection.Training.Options;
using FraudDetection.Training.Pipeline;
using FraudDetection.Training.Preflight;
using FraudDetection.Training.Promotion;
using FraudDetection.Training.Runs;
using FraudDetection.Training.Schedule;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FraudDetection.Training.Extensions;

public static class TrainingServiceExtensions
{
    /// <summary>
    /// Registers the Training host: the model registry and experiment tracker (MLflow when <c>ConnectionStrings:mlflow</c>
    /// is set, else the embedded folders), the run queue and worker, the cron schedule (<c>Training:Schedule</c>), the
    /// starter model, the preflight and the promotion gate (<c>Training:Promotion</c>). Options: <c>Training</c>, <c>Registry</c>.
    /// </summary>
    public static TBuilder AddTrainingServices<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.AddTrainingPipeline();
        var services = builder.Services;
        services.TryAddSingleton<TrainingRunQueue>();
        services.TryAddSingleton<TrainingPreflight>();
        services.TryAddScoped<TrainingRunner>();
        services.TryAddSingleton<TrainingScheduler>();
        services.AddHostedService<TrainingRunWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<TrainingScheduler>());
        services.AddHostedService<StarterModelService>();
        builder.AddDriftWatch();

        services.AddHealthChecks().AddCheck<TrainingHealthCheck>("training");
        services.AddKafkaBrokerHealthCheck();
        return builder;
    }

    /// <summary>
    /// Registers what one training run needs and nothing that runs by itself: the model registry and experiment
    /// tracker, the training job, the promotion gate and the <see cref="TrainingPipeline"/>. The Training host builds
    /// on it; the AppHost calls it alone to train its starter model before the services start.
    /// </summary>
    public static TBuilder AddTrainingPipeline<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.AddExperimentTracking();
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);

        services.AddOptions<TrainingOptions>()
            .BindConfiguration(TrainingOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(options => TryParseSchedule(options.Schedule), "Training:Schedule is not a valid cron expression (5 fields, e.g. '0 3 * * *' for 03:00 daily).")
            .ValidateOnStart();
        services.AddOptions<PromotionOptions>()
            .BindConfiguration(PromotionOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.TryAddSingleton<TrainingDataLocator>();
        services.TryAddSingleton<PromotionGate>();
        services.TryAddSingleton<IModelEvaluator, WindowModelEvaluator>();
        services.TryAddSingleton<ITrainingJob, ModelTrainerJob>();
        services.TryAddSingleton<TrainingPipeline>();
        return builder;
    }

    /// <summary>
    /// Retraining on drift (<c>Training:Drift</c>): polls Scoring's stats when Scoring is known (<c>Training:Drift:ScoringUrl</c>,
    /// or the app host's reference to <c>scoring</c>); without either the watch stays off.
    /// </summary>
    public static TBuilder AddDriftWatch<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        var services = builder.Services;
        services.AddOptions<DriftWatchOptions>()
            .BindConfiguration(DriftWatchOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(o => o.PollInterval > TimeSpan.Zero, "Training:Drift:PollInterval must be positive")
            .Validate(o => o.SustainFor >= TimeSpan.Zero && o.RetryAfter >= TimeSpan.Zero, "Training:Drift:SustainFor and RetryAfter must not be negative")
            .ValidateOnStart();
        var options = builder.Configuration.GetSection(DriftWatchOptions.SectionName).Get<DriftWatchOptions>() ?? new DriftWatchOptions();
        var scoring = !string.IsNullOrWhiteSpace(options.ScoringUrl) ? options.ScoringUrl
            : builder.Configuration.GetSection("services:scoring").Exists() ? "http://scoring"
            : null;
        if (!options.Enabled || scoring is null)
        {
            return builder;
        }
        services.AddHttpClient<IDriftReadings, ScoringDriftClient>(http => http.BaseAddress = new Uri(scoring));
        services.TryAddSingleton<DriftWatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<DriftWatcher>());
        return builder;
    }

    private static bool TryParseSchedule(string expression)
    {
        try
        {
            TrainingScheduler.Parse(expression);
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
