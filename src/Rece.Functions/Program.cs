using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Rece.Api;
using Rece.Functions;
using Rece.Orchestration.Activities;
using Rece.Storage;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.Services.AddSingleton(sp => FunctionsSettings.Storage(sp.GetRequiredService<IConfiguration>()));
builder.Services.AddSingleton<IGpuJobQueue>(sp => new GpuJobQueue(sp.GetRequiredService<StorageAccount>()));
builder.Services.AddSingleton<IErasureOutputs>(sp => new ErasureOutputs(sp.GetRequiredService<StorageAccount>()));
JobSettings.AddJobSettings(builder.Services);
builder.Services.AddSingleton(sp => new ErasureIntake(
    sp.GetRequiredService<StorageAccount>(),
    sp.GetRequiredService<IOptions<JobSettings>>().Value.Policy()
));
builder.Services.AddSingleton<ErasureApi>();
builder.Build().Run();
