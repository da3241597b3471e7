#pragma once
// The fixed parts of report.html (lib/audit/audit_html.cpp): its style sheet and its two scripts. The page's data
// reaches the scripts as JSON in <script type="application/json" id="ferguard-chart-data">.

namespace ferguard::detail {

constexpr const char* kCss = R"CSS(
:root{--ink:#1f2933;--muted:#5f6b7a;--line:#d9dee5;--soft:#f4f6f8;--accent:#1d4ed8;--bad:#b42318;--badbg:#fdecea;
--warn:#8a5a00;--warnbg:#fff6e0;--good:#116329;--goodbg:#e7f5ec}
*{box-sizing:border-box}
html{-webkit-print-color-adjust:exact;print-color-adjust:exact}
body{margin:0;color:var(--ink);background:#fff;font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",
Arial,"Noto Sans","Liberation Sans",sans-serif}
main{max-width:1120px;margin:0 auto;padding:28px 32px 48px}
h1{font-size:26px;margin:0 0 4px;letter-spacing:-.01em}
h2{font-size:19px;margin:34px 0 10px;padding-bottom:6px;border-bottom:2px solid var(--ink)}
h3{font-size:15px;margin:22px 0 6px}
p{margin:6px 0}
.meta{color:var(--muted);font-size:13px}
.verdict{margin:18px 0;padding:16px 18px;border-radius:8px;border:1px solid var(--line);background:var(--soft)}
.verdict p{font-size:15px}
.badge{display:inline-block;padding:2px 10px;border-radius:999px;font-size:12px;font-weight:600;
text-transform:uppercase;letter-spacing:.04em;margin-bottom:6px}
.badge.bad{background:var(--badbg);color:var(--bad)}.badge.good{background:var(--goodbg);color:var(--good)}
.notice{margin:12px 0;padding:10px 14px;border-radius:6px;border-left:5px solid}
.notice ul{margin:4px 0 0;padding-left:20px}
.notice.warn{background:var(--warnbg);border-color:#e0a526;color:var(--warn)}
.notice.err{background:var(--badbg);border-color:var(--bad);color:var(--bad)}
table{border-collapse:collapse;width:100%;margin:6px 0 4px;font-variant-numeric:tabular-nums}
th,td{padding:5px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{font-size:12px;color:var(--muted);font-weight:600;background:var(--soft)}
td.n,th.n{text-align:right;white-space:nowrap}
td.ci{color:var(--muted);white-space:nowrap;font-size:12.5px}
tr.group td{border-top:2px solid var(--line)}
.bar{display:inline-block;height:8px;border-radius:2px;background:var(--accent);vertical-align:middle;margin-left:6px}
.bartrack{display:inline-block;width:60px;height:8px;background:#e6e9ee;border-radius:2px;vertical-align:middle;
margin-left:6px;position:relative}
.bartrack .bar{position:absolute;left:0;top:0;margin:0}
.bartrack .chance{position:absolute;top:-2px;width:2px;height:12px;background:var(--ink)}
.not-run{color:var(--muted);font-style:italic}
.note{color:var(--muted);font-size:12.5px}
.charts{display:grid;grid-template-columns:1fr 1fr;gap:18px}
figure{margin:0;padding:12px;border:1px solid var(--line);border-radius:8px;break-inside:avoid}
figure.wide{grid-column:1/-1}
figcaption{font-weight:600;font-size:13.5px;margin-bottom:6px}
figcaption span{display:block;font-weight:400;color:var(--muted);font-size:12px}
.chart{position:relative;height:280px}
.howto dt{font-weight:600;margin-top:8px}.howto dd{margin:2px 0 0 0;color:#333}
.chip{display:inline-block;padding:0 6px;margin:1px 2px 1px 0;border-radius:4px;font-size:12px;background:#eef1f4;
white-space:nowrap}
.chip.hit{background:var(--badbg);color:var(--bad);font-weight:600}
.ok{color:var(--good)}.no{color:var(--bad)}
img.thumb{width:64px;height:64px;object-fit:cover;border-radius:4px;border:1px solid var(--line);margin-right:4px}
.faces td{font-size:13px}
#js-errors{white-space:pre-wrap}
footer{margin-top:36px;color:var(--muted);font-size:12px;border-top:1px solid var(--line);padding-top:8px}
@page{size:A4;margin:14mm}
@media print{main{max-width:none;padding:0}h2,h3,.note{break-after:avoid}tr,figure,.verdict,.notice{break-inside:avoid}
.charts{grid-template-columns:1fr 1fr}}
)CSS";

// Runs before Chart.js: any script error, or console.error, lands in #js-errors (shown, and counted on <body>).
constexpr const char* kErrorTrap = R"JS(
(function(){
  var n=0;
  function record(m){
    n++;
    var el=document.getElementById('js-errors');
    if(el){el.hidden=false;el.textContent+=m+'\n';}
    document.body.setAttribute('data-errors',String(n));
  }
  window.ferguardRecordError=record;
  window.addEventListener('error',function(e){record('error: '+(e.message||e.type));});
  var original=console.error;
  console.error=function(){record('console.error: '+Array.prototype.join.call(arguments,' '));
    return original.apply(console,arguments);};
})();
)JS";

constexpr const char* kChartsJs = R"JS(
(function(){
  'use strict';
  if(typeof Chart==='undefined'){window.ferguardRecordError('Chart.js did not load');return;}
  var data=JSON.parse(document.getElementById('ferguard-chart-data').textContent);
  var made=0;
  var font='system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans","Liberation Sans",sans-serif';
  Chart.defaults.font.family=font;Chart.defaults.font.size=12;Chart.defaults.color='#1f2933';
  Chart.defaults.animation=false;Chart.defaults.responsive=true;Chart.defaults.maintainAspectRatio=false;
  Chart.defaults.devicePixelRatio=2;
  var pctAxis={min:0,max:1,ticks:{callback:function(v){return Math.round(v*100)+'%';}},grid:{color:'#e6e9ee'}};
  function pctLabel(c){var v=c.parsed.y;return c.dataset.label+': '+(v*100).toFixed(1)+'%';}

  // The 95 % intervals as whiskers over each bar (dataset.lo / dataset.hi, rates).
  var intervals={id:'ferguardIntervals',afterDatasetsDraw:function(chart){
    var ctx=chart.ctx,y=chart.scales.y;
    chart.data.datasets.forEach(function(ds,i){
      if(!ds.lo||!chart.isDatasetVisible(i))return;
      chart.getDatasetMeta(i).data.forEach(function(bar,j){
        if(ds.lo[j]==null||ds.hi[j]==null)return;
        var x=bar.x,top=y.getPixelForValue(ds.hi[j]),bot=y.getPixelForValue(ds.lo[j]),w=Math.min(10,bar.width/3);
        ctx.save();ctx.strokeStyle='#111827';ctx.lineWidth=1.5;ctx.beginPath();
        ctx.moveTo(x,top);ctx.lineTo(x,bot);
        ctx.moveTo(x-w,top);ctx.lineTo(x+w,top);ctx.moveTo(x-w,bot);ctx.lineTo(x+w,bot);
        ctx.stroke();ctx.restore();
      });
    });
  }};
  // Chance: one dashed line across the plot when every bar has the same chance, else a dashed tick on each bar.
  var chance={id:'ferguardChance',afterDatasetsDraw:function(chart,args,opts){
    var values=[];
    chart.data.datasets.forEach(function(ds){(ds.chance||[]).forEach(function(c){if(c!=null)values.push(c);});});
    if(!values.length)return;
    var ctx=chart.ctx,y=chart.scales.y,area=chart.chartArea;
    ctx.save();ctx.strokeStyle='#111827';ctx.setLineDash([5,4]);ctx.lineWidth=1.5;
    var same=values.every(function(v){return Math.abs(v-values[0])<1e-12;});
    if(same){
      var py=y.getPixelForValue(values[0]);
      ctx.beginPath();ctx.moveTo(area.left,py);ctx.lineTo(area.right,py);ctx.stroke();
      ctx.setLineDash([]);ctx.fillStyle='#111827';ctx.textAlign='right';ctx.textBaseline='bottom';
      ctx.fillText('chance '+(values[0]*100).toFixed(1)+'%',area.right-4,py-3);
    }else{
      chart.data.datasets.forEach(function(ds,i){
        if(!ds.chance)return;
        chart.getDatasetMeta(i).data.forEach(function(bar,j){
          if(ds.chance[j]==null)return;
          var py=y.getPixelForValue(ds.chance[j]);
          ctx.beginPath();ctx.moveTo(bar.x-bar.width/2-3,py);ctx.lineTo(bar.x+bar.width/2+3,py);ctx.stroke();
        });
      });
    }
    ctx.restore();
  }};

  function make(id,config){
    var el=document.getElementById(id);if(!el)return;
    new Chart(el,config);made++;
  }
  var protocolColour={face:'#1d4ed8',photo:'#93b4f5',context_floor:'#c3cad5'};
  var auditorColour=['#1d4ed8','#d97706','#059669','#7c3aed','#db2777','#0891b2'];
  var protocolDash={face:[],photo:[6,4],context_floor:[2,3]};
  function colourOf(a){var i=data.auditors.indexOf(a);return auditorColour[(i<0?0:i)%auditorColour.length];}

  if(data.rank1){
    make('chart-rank1',{type:'bar',data:{labels:data.rank1.labels,datasets:data.rank1.series.map(function(s){
        return {label:s.label,data:s.values,lo:s.lo,hi:s.hi,chance:s.chance,
          backgroundColor:protocolColour[s.protocol]||'#64748b',borderWidth:0,maxBarThickness:56};})},
      options:{scales:{y:pctAxis},plugins:{tooltip:{callbacks:{label:pctLabel}},legend:{position:'bottom'}}},
      plugins:[intervals,chance]});
  }
  function cmcChart(id,rows,n){
    var labels=[];for(var k=1;k<=n;k++)labels.push(String(k));
    var sets=rows.map(function(r){return {label:r.label,data:r.cmc,borderColor:colourOf(r.auditor),
      backgroundColor:colourOf(r.auditor),borderDash:protocolDash[r.protocol]||[],borderWidth:2,pointRadius:2.5,
      tension:0};});
    var ch=[];for(var k2=1;k2<=n;k2++)ch.push(k2/n);
    sets.push({label:'chance',data:ch,borderColor:'#6b7280',backgroundColor:'#6b7280',borderDash:[3,3],borderWidth:1.5,
      pointRadius:0});
    make(id,{type:'line',data:{labels:labels,datasets:sets},options:{scales:{y:pctAxis,
      x:{title:{display:true,text:'rank k (the true person among the first k)'},grid:{color:'#eef0f3'}}},
      plugins:{tooltip:{callbacks:{label:pctLabel}},legend:{position:'bottom',labels:{boxWidth:18,font:{size:11}}}}}});
  }
  if(data.cmc_same)cmcChart('chart-cmc-same',data.cmc_same.rows,data.cmc_same.n);
  if(data.cmc_cross)cmcChart('chart-cmc-cross',data.cmc_cross.rows,data.cmc_cross.n);
  if(data.roc){
    var xmin=data.roc.xmin;
    var sets=[];
    data.roc.rows.forEach(function(r){
      var c=colourOf(r.auditor);
      sets.push({label:r.label,data:r.roc.map(function(p){return {x:Math.max(p[0],xmin),y:p[1]};}),showLine:true,
        borderColor:c,backgroundColor:c,borderDash:protocolDash[r.protocol]||[],borderWidth:2,pointRadius:0});
      sets.push({label:r.label+' at FAR 1% / 0.1%',
        data:r.far_points.map(function(p){return {x:Math.max(p[0],xmin),y:p[1]};}),
        showLine:false,borderColor:'#111827',backgroundColor:c,pointStyle:'rectRot',pointRadius:6,borderWidth:1.5,
        farPoint:true});
    });
    sets.push({label:'chance',data:[xmin,0.01,0.1,1].map(function(v){return {x:v,y:v};}),showLine:true,
      borderColor:'#6b7280',borderDash:[3,3],borderWidth:1.5,pointRadius:0});
    make('chart-roc',{type:'scatter',data:{datasets:sets},options:{
      scales:{x:{type:'logarithmic',min:xmin,max:1,title:{display:true,text:'strangers accepted (FAR), log scale'},
        ticks:{maxRotation:0,autoSkip:false,
          callback:function(v){return [0.001,0.01,0.1,1].indexOf(v)>=0?(v*100)+'%':'';}},grid:{color:'#eef0f3'}},
        y:Object.assign({},pctAxis,{title:{display:true,text:'true person accepted (TAR)'}})},
      plugins:{legend:{position:'bottom',labels:{boxWidth:14,font:{size:11},
          filter:function(item,cd){return !cd.datasets[item.datasetIndex].farPoint;}}},
        tooltip:{callbacks:{label:function(c){return c.dataset.label+': FAR '+(c.parsed.x*100).toFixed(2)+'%, TAR '+
          (c.parsed.y*100).toFixed(1)+'%';}}}}}});
  }
  if(data.agreement){
    make('chart-agreement',{type:'bar',data:{labels:data.agreement.labels,datasets:[{label:'agreement',
        data:data.agreement.values,lo:data.agreement.lo,hi:data.agreement.hi,chance:data.agreement.chance,
        backgroundColor:'#059669',maxBarThickness:70}]},
      options:{scales:{y:pctAxis},plugins:{legend:{display:false},tooltip:{callbacks:{label:pctLabel}}}},
      plugins:[intervals,chance]});
  }
  document.body.setAttribute('data-rendered',String(made));
})();
)JS";

}  // namespace ferguard::detail
