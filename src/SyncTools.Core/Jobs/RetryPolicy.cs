using Polly;
using Polly.Retry;

namespace SyncTools.Core.Jobs;

/// <summary>Retries of a transient failure: exponential backoff from <paramref name="BaseDelay"/>, with jitter (Polly).</summary>
public sealed record RetryPolicy(int MaxRetries, TimeSpan BaseDelay)
{
    public static RetryPolicy Default { get; } = new(5, TimeSpan.FromSeconds(0.5));

    /// <param name="isTransient">Which failures are worth another attempt.</param>
    /// <param name="what">For the warning each retry writes, e.g. "organizations.user".</param>
    /// <param name="beforeRetry">Runs before each new attempt, e.g. to drop broken connections.</param>
    public ResiliencePipeline Build(Func<Exception, bool> isTransient, IJobReporter reporter, string what, Func<ValueTask> beforeRetry) =>
        new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(isTransient),
                MaxRetryAttempts = Math.Max(1, MaxRetries),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = BaseDelay,
                OnRetry = async args =>
                {
                    reporter.Warning($"{what}: {args.Outcome.Exception?.Message} Retry {args.AttemptNumber + 1} of {MaxRetries} in {args.RetryDelay.TotalSeconds:0.0} s.");
                    await beforeRetry().ConfigureAwait(false);
                },
            })
            .Build();
}
