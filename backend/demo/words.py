"""Word lists and fixed facts the demo bank is made of (names, places, industries, holidays,
products, reasons)."""




# --------------------------------------------------------------------------- word lists

# (zh, en, latitude, longitude, weight)
CITIES = (
    ("杭州", "Hangzhou", 30.27, 120.16, 9), ("宁波", "Ningbo", 29.87, 121.55, 6),
    ("温州", "Wenzhou", 28.00, 120.67, 5), ("绍兴", "Shaoxing", 30.00, 120.58, 4),
    ("嘉兴", "Jiaxing", 30.75, 120.76, 3), ("金华", "Jinhua", 29.08, 119.65, 3),
    ("台州", "Taizhou", 28.66, 121.42, 3), ("湖州", "Huzhou", 30.89, 120.09, 2),
    ("上海", "Shanghai", 31.23, 121.47, 8), ("苏州", "Suzhou", 31.30, 120.59, 6),
    ("南京", "Nanjing", 32.06, 118.80, 5), ("无锡", "Wuxi", 31.49, 120.31, 4),
    ("常州", "Changzhou", 31.81, 119.97, 3), ("合肥", "Hefei", 31.82, 117.23, 3),
    ("广州", "Guangzhou", 23.13, 113.26, 6), ("深圳", "Shenzhen", 22.54, 114.06, 6),
    ("东莞", "Dongguan", 23.02, 113.75, 4), ("佛山", "Foshan", 23.02, 113.12, 4),
    ("厦门", "Xiamen", 24.48, 118.09, 3), ("福州", "Fuzhou", 26.07, 119.30, 3),
    ("成都", "Chengdu", 30.57, 104.07, 5), ("重庆", "Chongqing", 29.56, 106.55, 4),
    ("武汉", "Wuhan", 30.59, 114.31, 4), ("长沙", "Changsha", 28.23, 112.94, 3),
    ("郑州", "Zhengzhou", 34.75, 113.63, 3), ("济南", "Jinan", 36.65, 117.12, 3),
    ("青岛", "Qingdao", 36.07, 120.38, 3), ("西安", "Xi'an", 34.34, 108.94, 3),
    ("天津", "Tianjin", 39.34, 117.36, 3), ("北京", "Beijing", 39.90, 116.41, 5),
)

# Traits per industry: weight, extra default risk (logit), revenue per employee, consumer-facing
# (weekend trade, card payments), affinity to POS / payroll / credit, cash share, name words.
INDUSTRIES = {
    "retail": dict(w=17, risk=0.2, rpe=6e5, consumer=1, pos=2.0, pay=-0.6, credit=0.0,
                   cash=0.35, growth=0.00, words=(("五金", "Hardware"),
                   ("百货", "Department Store"), ("超市", "Supermarket"), ("服饰", "Apparel"),
                   ("母婴用品", "Baby Products"), ("家电", "Home Appliances"),
                   ("文具", "Stationery"))),
    "catering": dict(w=10, risk=0.5, rpe=3e5, consumer=1, pos=2.4, pay=0.0, credit=-0.2,
                     cash=0.30, growth=0.02, words=(("餐饮管理", "Catering Management"),
                     ("酒楼", "Restaurant"), ("食品", "Food"), ("茶饮", "Tea House"),
                     ("烘焙", "Bakery"))),
    "manufacturing": dict(w=15, risk=0.1, rpe=8e5, consumer=0, pos=-2.0, pay=1.2, credit=0.8,
                          cash=0.05, growth=0.01, words=(("机械", "Machinery"),
                          ("电子", "Electronics"), ("塑胶制品", "Plastic Products"),
                          ("纺织", "Textiles"), ("五金制品", "Metal Products"),
                          ("包装材料", "Packaging Materials"), ("家具", "Furniture"))),
    "trading": dict(w=14, risk=0.2, rpe=1.5e6, consumer=0, pos=-1.0, pay=-0.2, credit=0.7,
                    cash=0.10, growth=0.00, words=(("贸易", "Trading"),
                    ("进出口", "Import & Export"), ("商贸", "Commerce"), ("实业", "Industrial"))),
    "logistics": dict(w=7, risk=0.2, rpe=7e5, consumer=0, pos=-1.5, pay=1.0, credit=0.5,
                      cash=0.10, growth=0.03, words=(("物流", "Logistics"), ("货运", "Freight"),
                      ("供应链管理", "Supply Chain Management"))),
    "construction": dict(w=8, risk=0.6, rpe=9e5, consumer=0, pos=-2.0, pay=1.0, credit=0.9,
                         cash=0.10, growth=-0.04, words=(("建筑工程", "Construction Engineering"),
                         ("装饰工程", "Decoration Engineering"), ("建材", "Building Materials"))),
    "services": dict(w=10, risk=0.0, rpe=4e5, consumer=1, pos=0.5, pay=0.5, credit=-0.3,
                     cash=0.15, growth=0.03, words=(("咨询", "Consulting"),
                     ("家政服务", "Housekeeping Services"), ("广告", "Advertising"),
                     ("物业管理", "Property Management"), ("教育咨询", "Education Consulting"))),
    "agriculture": dict(w=5, risk=0.4, rpe=4e5, consumer=0, pos=-1.0, pay=-0.3, credit=0.4,
                        cash=0.30, growth=0.01, words=(("农业开发", "Agricultural Development"),
                        ("生态农业", "Eco-Agriculture"), ("水产", "Aquatic Products"),
                        ("茶业", "Tea"))),
    "tech": dict(w=7, risk=0.1, rpe=7e5, consumer=0, pos=-1.0, pay=1.2, credit=0.0, cash=0.02,
                 growth=0.08, words=(("信息技术", "Information Technology"),
                 ("网络科技", "Network Technology"), ("软件", "Software"),
                 ("智能科技", "Smart Technology"))),
    "healthcare": dict(w=4, risk=-0.2, rpe=5e5, consumer=1, pos=1.5, pay=0.5, credit=0.2,
                       cash=0.15, growth=0.04, words=(("医疗器械", "Medical Devices"),
                       ("大药房", "Pharmacy"), ("口腔门诊", "Dental Clinic"))),
    "auto": dict(w=3, risk=0.3, rpe=8e5, consumer=1, pos=1.5, pay=0.3, credit=0.5, cash=0.15,
                 growth=-0.01, words=(("汽车服务", "Auto Services"), ("汽车配件", "Auto Parts"))),
}
IND_KEYS = tuple(INDUSTRIES)
# Whom each industry buys from, for supplier/buyer links between customers.
SUPPLIED_BY = {
    "retail": ("trading", "manufacturing", "agriculture", "logistics"),
    "catering": ("agriculture", "trading", "logistics"),
    "manufacturing": ("manufacturing", "trading", "logistics"),
    "trading": ("manufacturing", "agriculture"),
    "logistics": ("auto", "trading"),
    "construction": ("manufacturing", "trading", "construction", "logistics"),
    "services": ("tech", "services"),
    "agriculture": ("trading", "logistics"),
    "tech": ("tech", "services"),
    "healthcare": ("trading", "manufacturing", "logistics"),
    "auto": ("manufacturing", "trading"),
}

BRANDS = (
    ("恒丰", "Hengfeng"), ("鑫达", "Xinda"), ("宏远", "Hongyuan"), ("金诚", "Jincheng"),
    ("瑞祥", "Ruixiang"), ("华盛", "Huasheng"), ("永安", "Yong'an"), ("德润", "Derun"),
    ("天成", "Tiancheng"), ("嘉禾", "Jiahe"), ("盛泰", "Shengtai"), ("隆兴", "Longxing"),
    ("富源", "Fuyuan"), ("万通", "Wantong"), ("兴旺", "Xingwang"), ("广源", "Guangyuan"),
    ("顺达", "Shunda"), ("聚鑫", "Juxin"), ("和泰", "Hetai"), ("锦程", "Jincheng"),
    ("佳美", "Jiamei"), ("新亚", "Xinya"), ("东升", "Dongsheng"), ("明辉", "Minghui"),
    ("博远", "Boyuan"), ("汇通", "Huitong"), ("昌盛", "Changsheng"), ("祥和", "Xianghe"),
    ("正阳", "Zhengyang"), ("中信达", "Zhongxinda"), ("金鼎", "Jinding"), ("华泰源", "Huataiyuan"),
    ("宝丰", "Baofeng"), ("信诚", "Xincheng"), ("安达", "Anda"), ("创美", "Chuangmei"),
    ("润泽", "Runze"), ("荣昌", "Rongchang"), ("鼎盛", "Dingsheng"), ("福瑞", "Furui"),
    ("联合", "Lianhe"), ("金桥", "Jinqiao"), ("长城", "Changcheng"), ("海纳", "Haina"),
    ("益民", "Yimin"), ("百川", "Baichuan"), ("凯旋", "Kaixuan"), ("远航", "Yuanhang"),
    ("星辰", "Xingchen"), ("振兴", "Zhenxing"), ("宏达", "Hongda"), ("腾飞", "Tengfei"),
    ("新纪元", "Xinjiyuan"), ("旭日", "Xuri"), ("春晖", "Chunhui"), ("丰收", "Fengshou"),
    ("绿源", "Lüyuan"), ("蓝海", "Lanhai"), ("金马", "Jinma"), ("银河", "Yinhe"),
    ("四海", "Sihai"), ("八方", "Bafang"), ("利民", "Limin"), ("诚信", "Chengxin"),
    ("友谊", "Youyi"), ("光明", "Guangming"), ("伟业", "Weiye"), ("卓越", "Zhuoyue"),
    ("精诚", "Jingcheng"), ("永盛", "Yongsheng"), ("大丰", "Dafeng"), ("嘉信", "Jiaxin"),
    ("国泰", "Guotai"), ("康宁", "Kangning"), ("仁和", "Renhe"), ("乐家", "Lejia"),
    ("众鑫", "Zhongxin"), ("天翼", "Tianyi"), ("云帆", "Yunfan"), ("同创", "Tongchuang"),
)
SURNAMES = (
    ("王", "Wang", 7.1), ("李", "Li", 7.0), ("张", "Zhang", 6.7), ("刘", "Liu", 5.4),
    ("陈", "Chen", 4.5), ("杨", "Yang", 3.1), ("黄", "Huang", 2.2), ("赵", "Zhao", 2.0),
    ("吴", "Wu", 2.0), ("周", "Zhou", 1.9), ("徐", "Xu", 1.5), ("孙", "Sun", 1.4),
    ("马", "Ma", 1.3), ("朱", "Zhu", 1.2), ("胡", "Hu", 1.1), ("郭", "Guo", 1.1),
    ("何", "He", 1.0), ("林", "Lin", 0.9), ("罗", "Luo", 0.9), ("高", "Gao", 0.9),
    ("郑", "Zheng", 0.8), ("梁", "Liang", 0.7), ("谢", "Xie", 0.7), ("宋", "Song", 0.6),
    ("唐", "Tang", 0.6), ("许", "Xu", 0.5), ("韩", "Han", 0.5), ("冯", "Feng", 0.5),
    ("邓", "Deng", 0.5), ("曹", "Cao", 0.5), ("彭", "Peng", 0.5), ("曾", "Zeng", 0.4),
    ("肖", "Xiao", 0.4), ("田", "Tian", 0.4), ("董", "Dong", 0.4), ("袁", "Yuan", 0.4),
    ("潘", "Pan", 0.3), ("蒋", "Jiang", 0.3), ("蔡", "Cai", 0.3), ("余", "Yu", 0.3),
    ("杜", "Du", 0.3), ("叶", "Ye", 0.3), ("程", "Cheng", 0.3), ("魏", "Wei", 0.3),
    ("苏", "Su", 0.3), ("吕", "Lyu", 0.3), ("丁", "Ding", 0.3), ("沈", "Shen", 0.3),
)
GIVEN = (
    ("伟", "Wei"), ("芳", "Fang"), ("娜", "Na"), ("敏", "Min"), ("静", "Jing"), ("磊", "Lei"),
    ("强", "Qiang"), ("军", "Jun"), ("洋", "Yang"), ("勇", "Yong"), ("艳", "Yan"), ("杰", "Jie"),
    ("涛", "Tao"), ("明", "Ming"), ("超", "Chao"), ("秀英", "Xiuying"), ("华", "Hua"),
    ("平", "Ping"), ("刚", "Gang"), ("桂英", "Guiying"), ("建华", "Jianhua"),
    ("建国", "Jianguo"), ("志强", "Zhiqiang"), ("海燕", "Haiyan"), ("晓东", "Xiaodong"),
    ("丽娟", "Lijuan"), ("国强", "Guoqiang"), ("文", "Wen"), ("斌", "Bin"), ("红", "Hong"),
    ("建平", "Jianping"), ("宇", "Yu"), ("浩", "Hao"), ("鑫", "Xin"), ("婷", "Ting"),
    ("丹", "Dan"), ("玲", "Ling"), ("俊", "Jun"), ("飞", "Fei"), ("辉", "Hui"), ("鹏", "Peng"),
    ("慧", "Hui"), ("佳", "Jia"), ("思远", "Siyuan"), ("子涵", "Zihan"), ("雪", "Xue"),
    ("琳", "Lin"), ("凯", "Kai"), ("春梅", "Chunmei"), ("永刚", "Yonggang"), ("金龙", "Jinlong"),
    ("晓燕", "Xiaoyan"), ("立新", "Lixin"), ("德明", "Deming"), ("家豪", "Jiahao"),
    ("雨涵", "Yuhan"), ("振华", "Zhenhua"), ("美玲", "Meiling"), ("志明", "Zhiming"),
    ("少华", "Shaohua"),
)
EMAIL_DOMAINS = ("163.com", "qq.com", "126.com", "sina.com", "aliyun.com")
LEAVE_REASONS = ("企业停止经营", "转至他行办理业务", "企业注销", "认为账户费用偏高", "对服务不满意",
                 "企业搬迁外地")

# Calendar: Chinese New Year dates (the dip) for the years a demo may span.
CNY = {2015: (2, 19), 2016: (2, 8), 2017: (1, 28), 2018: (2, 16), 2019: (2, 5), 2020: (1, 25),
       2021: (2, 12), 2022: (2, 1), 2023: (1, 22), 2024: (2, 10), 2025: (1, 29), 2026: (2, 17),
       2027: (2, 6), 2028: (1, 26), 2029: (2, 13), 2030: (2, 3), 2031: (1, 23), 2032: (2, 11),
       2033: (1, 31), 2034: (2, 19), 2035: (2, 8), 2036: (1, 28), 2037: (2, 15), 2038: (2, 4),
       2039: (1, 24), 2040: (2, 12)}

# Products a customer may hold besides the current account, in simulation order.
HELD = ("TD", "MMF", "INST", "WCL", "UCC", "BCARD", "POS", "PAY", "CMS", "CGI", "INS", "FUND")
# Products with a true propensity in the truth file (retail and private ones are the owner's).
PROPENSITY = (*HELD, "RPL", "PWM")
CREDIT = ("INST", "WCL", "UCC", "BCARD")
DEPOSIT_LIKE = ("CUR", "TD", "MMF", "FUND")  # balances that must never go below zero
LINKED = ("CUR", "TD", "MMF")  # counted towards the intermediate and advanced minimums

DESCRIPTIONS = (
    "期初余额结转", "开户存入", "销售回款", "货款收入", "转账收入", "现金存入",
    "手机银行转入", "网银转入", "支付货款", "支付房租", "缴纳税费", "水电燃气费",
    "转账支出", "现金支取", "手机银行付款", "网银付款", "POS收单结算", "收单手续费",
    "代发工资", "社保公积金代缴", "贷款放款", "贷款资金入账", "贷款还本付息",
    "分期贷款还款", "循环贷提款", "归还循环贷", "贷款利息", "商务卡消费",
    "商务卡自动还款", "定期存入", "转存定期", "定期利息", "定期到期转活期",
    "定期到期本息转入", "货币市场账户利息", "转入货币市场账户", "货币市场账户转出",
    "基金申购", "基金赎回", "信用保证保险保费", "财产保险保费", "账户管理费",
    "超额交易手续费", "服务月费", "活期结息", "销户结清", "提前结清贷款", "采购原材料",
    "支付运费", "员工报销",
)
DESC = {d: i for i, d in enumerate(DESCRIPTIONS)}


DECLINE_REASONS = ("资金充裕，暂无需求", "认为费率偏高", "已在他行办理同类业务",
                   "手续繁琐，暂不考虑", "经营规划未定，以后再说", "对产品不了解，不想尝试")
